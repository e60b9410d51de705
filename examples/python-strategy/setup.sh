#!/usr/bin/env bash
# Creates .venv/ with pinned grpcio, grpcio-tools and protobuf, and generates the Python gRPC stubs of
# proto/openfloor/v1 into gen/ (neither is committed). Safe to run again: it reuses what is there.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
gen="$here/gen"
python="${PYTHON:-python3}"
requirements="$here/requirements.txt"

if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
# Installed once per requirements.txt: a copy of what was installed is kept in the venv.
stamp="$venv/installed-requirements.txt"
if ! cmp -s "$requirements" "$stamp"; then
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements"
  cp "$requirements" "$stamp"
fi

# Stubs are regenerated every time: cheap (well under a second) and never stale against proto/.
rm -rf "$gen.tmp"
mkdir -p "$gen.tmp"
"$venv/bin/python" -m grpc_tools.protoc \
  --proto_path="$root/proto" \
  --python_out="$gen.tmp" \
  --grpc_python_out="$gen.tmp" \
  "$root"/proto/openfloor/v1/*.proto
touch "$gen.tmp/openfloor/__init__.py" "$gen.tmp/openfloor/v1/__init__.py"
rm -rf "$gen"
mv "$gen.tmp" "$gen"
echo "python-strategy: venv ready at $venv, stubs in $gen"
