#!/usr/bin/env bash
# Builds a Google Cloud KMS emulator and prints its path: gcp-kms-emulator (Apache-2.0,
# github.com/blackwell-systems/gcp-kms-emulator, gRPC + REST, real AES-256-GCM) first, and
# fake-cloud-kms (Apache-2.0, github.com/winor30/fake-cloud-kms) when that cannot be built.
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_GCP_KMS_EMULATOR_VERSION:-v0.3.0}"
FAKE_VERSION="${STACKYARD_FAKE_CLOUD_KMS_VERSION:-v0.0.1}"
OUT="$PEERS_DIR/gcp-kms-emulator-$VERSION/bin/server-dual"
FAKE="$PEERS_DIR/fake-cloud-kms-$FAKE_VERSION/bin/fake-cloud-kms"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi
if [[ -x "$FAKE" ]]; then echo "$FAKE"; exit 0; fi
need_go "gcp-kms-emulator $VERSION"
log "building gcp-kms-emulator $VERSION from the Go module proxy (cached at $OUT)"
if GOBIN="$(dirname "$OUT")" go install -trimpath -ldflags "-s -w" \
  "github.com/blackwell-systems/gcp-kms-emulator/cmd/server-dual@$VERSION" >&2; then
  log "built $OUT"; echo "$OUT"; exit 0
fi
log "gcp-kms-emulator failed; building fake-cloud-kms $FAKE_VERSION instead"
if GOBIN="$(dirname "$FAKE")" go install -trimpath -ldflags "-s -w" \
  "github.com/winor30/fake-cloud-kms@$FAKE_VERSION" >&2; then
  log "built $FAKE"; echo "$FAKE"; exit 0
fi
log "cannot provision the GCP KMS peer: gcp-kms-emulator $VERSION and fake-cloud-kms $FAKE_VERSION both failed"
log "(checked 2026-11-26: the Go module proxy serves neither module: \"This module version is not available\")."
log "The GCP KMS tests use the in-repo emulator, libs/shared/testing/src/gcp-kms.emulator.ts."
exit 1
