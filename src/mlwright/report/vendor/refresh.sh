#!/usr/bin/env bash
# Replace the vendored plotly.js partial bundle with another version from the npm registry.
# Usage: src/mlwright/report/vendor/refresh.sh VERSION   (e.g. 4.1.1)
set -euo pipefail

version="${1:?usage: refresh.sh VERSION (see README.md in this folder)}"
package="plotly.js-cartesian-dist-min"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# npm pack checks the tarball against the integrity hash the registry publishes
(cd "$work" && npm pack --silent "$package@$version" >/dev/null && tar xzf ./*.tgz)
header="$(head -c 200 "$work/package/plotly-cartesian.min.js")"
if [[ "$header" != *"v$version"* ]]; then
  echo "refresh.sh: the bundle in $package@$version does not say v$version in its header" >&2
  exit 1
fi

cp "$work/package/plotly-cartesian.min.js" "$here/plotly-cartesian.min.js"
cp "$work/package/LICENSE" "$here/LICENSE"
digest="$(sha256sum "$here/plotly-cartesian.min.js" | cut -d' ' -f1)"
sed -i -E "s/^(\`$package\` version )[^,]+,/\1$version,/; s/sha256 \`[0-9a-f]+\`/sha256 \`$digest\`/" \
  "$here/README.md"
echo "vendored $package@$version (sha256 $digest); now run: pytest tests/browser"
