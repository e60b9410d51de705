# Source this file: puts the repo's toolchain (.tools/bin, made by scripts/bootstrap.sh) first on PATH.
_of_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
case ":$PATH:" in
  *":$_of_root/.tools/bin:"*) ;;
  *) export PATH="$_of_root/.tools/bin:$PATH" ;;
esac
unset _of_root
