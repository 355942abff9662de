#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, from Debian's
# repositories: Chromium for the browser tests (Playwright cannot download its
# own here) with CJK and emoji fonts, tuspy (python3-tuspy) and curl
# as real tus clients, Prometheus (e2e/protocol/metrics.spec.ts scrapes the app with it), and the engines
# of the scale-out cluster (scripts/cluster.sh, e2e/cluster/): Redis, nginx and a single-node Ceph with its
# S3 gateway (radosgw).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)
/usr/bin/python3 -c 'import tusclient' >/dev/null 2>&1 || missing+=(python3-tuspy)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
# A CJK font and an emoji font, so the zh-CN pages and the uploads list's type icons render (and are
# measured and photographed) with real glyphs, not boxes.
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)

# One dpkg-query for all of them keeps a run where everything is there instant.
cluster_packages=(redis-server nginx-light ceph-mon ceph-osd radosgw ceph-common)
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${cluster_packages[@]}" 2>/dev/null || true)
for package in "${cluster_packages[@]}"; do
  grep -q "^${package} ii" <<<"$installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "test dependencies: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
