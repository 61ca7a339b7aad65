#!/usr/bin/env bash
# Fetches lowkey-vault (MIT, com.github.nagyesta.lowkey-vault:lowkey-vault-app), an Azure Key Vault
# emulator (Spring Boot, needs Java 25), from Maven Central and prints the jar's path. The Java 25
# runtime is the Temurin JDK (STACKYARD_JAVA25_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64);
# the launcher finds it the same way.
source "$(dirname "$0")/lib.sh"
VERSION="${STACKYARD_LOWKEY_VAULT_VERSION:-7.3.74}"
JAVA25_HOME="${STACKYARD_JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT="$PEERS_DIR/lowkey-vault-$VERSION/lowkey-vault-app-$VERSION.jar"
[[ -x "$JAVA25_HOME/bin/java" ]] || {
  log "cannot provision lowkey-vault $VERSION: no Java 25 at $JAVA25_HOME (install temurin-25-jdk or set STACKYARD_JAVA25_HOME)"
  exit 1
}
if [[ -s "$OUT" ]]; then echo "$OUT"; exit 0; fi
command -v mvn >/dev/null 2>&1 || { log "cannot provision lowkey-vault $VERSION: mvn not found (apt-get install maven)"; exit 1; }
log "fetching lowkey-vault-app $VERSION from Maven Central (cached at $OUT)"
REPO="$PEERS_DIR/lowkey-vault-$VERSION/m2"
mkdir -p "$REPO"
JAVA_HOME="$JAVA25_HOME" mvn -q -B -Dmaven.repo.local="$REPO" dependency:get \
  -Dartifact="com.github.nagyesta.lowkey-vault:lowkey-vault-app:$VERSION" -Dtransitive=false >&2 || {
  log "cannot provision lowkey-vault $VERSION: mvn dependency:get failed. (Checked 2026-11-26: Maven Central has"
  log "lowkey-vault-client and lowkey-vault-testcontainers but not lowkey-vault-app, which is published to GitHub"
  log "Packages only.) The Azure Key Vault tests use the in-repo emulator, libs/shared/testing/src/azure-keyvault.emulator.ts."
  rm -rf "$PEERS_DIR/lowkey-vault-$VERSION"
  exit 1; }
cp "$REPO/com/github/nagyesta/lowkey-vault/lowkey-vault-app/$VERSION/lowkey-vault-app-$VERSION.jar" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "fetched $OUT"
echo "$OUT"
