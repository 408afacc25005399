#!/usr/bin/env bash
# Builds the release archive of one target, as the release workflow does on each runner:
#   scripts/release_archive.sh TARGET OUT_DIR [CARGO]
# -> OUT_DIR/postman-cognito-<version>-TARGET.tar.gz (.zip on Windows) with the binary, README
#    and licence notice, its .sha256, and OUT_DIR/bin/postman-cognito-TARGET[.exe] for the npm
#    packages (scripts/npm_packages.py). CARGO may be "cross" or "cargo zigbuild" for others.
set -euo pipefail
target=${1:?target}
out=${2:?output folder}
cargo_cmd=${3:-cargo}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# shellcheck disable=SC2086 # "cargo zigbuild" is two words
$cargo_cmd build --release --locked --target "$target"
exe=postman-cognito
case "$target" in *windows*) exe=postman-cognito.exe ;; esac
built="target/$target/release/$exe"
mkdir -p "$out/bin"
name="postman-cognito-$version-$target"
stage=$(mktemp -d)
mkdir "$stage/$name"
cp "$built" README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
case "$target" in
  *windows*) (cd "$stage" && zip -qr "$name.zip" "$name") && archive="$name.zip" ;;
  *) tar -C "$stage" -czf "$stage/$name.tar.gz" "$name" && archive="$name.tar.gz" ;;
esac
mv "$stage/$archive" "$out/"
(cd "$out" && sha256sum "$archive" >"$archive.sha256")
cp "$built" "$out/bin/postman-cognito-$target${exe#postman-cognito}"
rm -rf "$stage"
echo "$out/$archive"
