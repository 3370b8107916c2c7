#!/usr/bin/env bash
# Installs the tools the deployment checks (src/test/java/io/exflow/deploy) run, if missing:
#   docker-compose    compose v1 (Debian), validates compose/ with `config -q`, no engine needed
#   promtool          from Debian's prometheus package, checks alert rules and prometheus.yml
#   dockerfile-utils  (npm) the Dockerfile syntax linter; hadolint is not packaged here
#   kubectl           renders the kustomize overlays (usually present already)
#   openssl           SecuredConnectionsIT makes its test CA and certificates with it
#   chromium, chromium-driver  headless browser and its WebDriver for the console's browser tests
#   tools/cloudevents-js  (npm, pinned by its package-lock.json) the CloudEvents JavaScript SDK and kafkajs,
#                     a producer from another language that CloudEventsInteropIT runs against the test broker
#   tools/manifest-check  (npm, pinned by its package-lock.json) kubernetes-models and its KEDA, Argo CD and
#                     Prometheus Operator packages, the validators ManifestSchemaTest runs on the rendered manifests
# Idempotent: a second run installs nothing. The tests fail, naming this script, when a tool is missing.
set -euo pipefail

DOCKERFILE_UTILS_VERSION=0.16.3

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

apt_packages=()
command -v docker-compose >/dev/null 2>&1 || apt_packages+=(docker-compose)
command -v promtool >/dev/null 2>&1 || apt_packages+=(prometheus)
command -v kubectl >/dev/null 2>&1 || apt_packages+=(kubectl)
command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || apt_packages+=(chromium-driver)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "install-tools: apt-get install ${apt_packages[*]}"
  $SUDO apt-get update -qq
  # policy-rc.d-free containers: the prometheus package must not try to start its daemon.
  $SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
    apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

# `dockerfile-utils --version` prints "dockerfile-utils version 0.16.3 (supports Docker CE ...)".
if ! dockerfile-utils --version 2>/dev/null | grep -q "version $DOCKERFILE_UTILS_VERSION "; then
  echo "install-tools: npm install -g dockerfile-utils@$DOCKERFILE_UTILS_VERSION"
  $SUDO npm install -g --no-audit --no-fund --loglevel=error "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" >/dev/null
fi

# Project-local packages, exactly as locked; reinstalled only when the lock file changed.
TOOLS="$(cd "$(dirname "$0")/.." && pwd)/tools"
for tool in cloudevents-js manifest-check; do
  if [ ! -f "$TOOLS/$tool/node_modules/.package-lock.json" ] \
      || [ "$TOOLS/$tool/package-lock.json" -nt "$TOOLS/$tool/node_modules/.package-lock.json" ]; then
    echo "install-tools: npm ci in tools/$tool"
    # --engine-strict=false: the kubernetes-models packages declare node >= 22 but run on
    # Debian's node 20 (ManifestSchemaTest shows it); npm would only warn anyway.
    npm ci --prefix "$TOOLS/$tool" --no-audit --no-fund --loglevel=error --engine-strict=false >/dev/null
  fi
done

echo "install-tools: $(docker-compose version --short), promtool $(promtool --version 2>&1 | awk 'NR==1{print $3}'), dockerfile-utils $(dockerfile-utils --version | awk '{print $3}'), kubectl $(kubectl version --client 2>/dev/null | awk 'NR==1{print $3}'), $(chromium --version 2>/dev/null)"
