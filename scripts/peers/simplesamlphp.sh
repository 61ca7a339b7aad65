#!/usr/bin/env bash
# Ensures SimpleSAMLphp (Debian's simplesamlphp 1.19.x, LGPL-2.1) and the PHP CLI it runs under exist,
# and prints their versions. It is the real SAML 2.0 IdP for the SAML service-provider tests
# (docs: test-peers.md §5). Tests start their own instance: configuration and a fresh IdP key pair
# in a temp dir, `php -S 127.0.0.1:<free port>`. php-xml is required (SimpleSAMLphp needs
# DOMDocument: "Class DOMDocument not found" without it).
# STACKYARD_SIMPLESAMLPHP_WWW pins the web root (tests use it to simulate a machine without it);
# STACKYARD_PEERS_NO_INSTALL=1 forbids installing.
source "$(dirname "$0")/lib.sh"
SIMPLESAMLPHP_WWW="${STACKYARD_SIMPLESAMLPHP_WWW:-/usr/share/simplesamlphp/www}"
php_has_dom() { php -r 'exit(class_exists("DOMDocument") ? 0 : 1);' >/dev/null 2>&1; }
provisioned() { command -v php >/dev/null 2>&1 && [[ -f "$SIMPLESAMLPHP_WWW/saml2/idp/SSOService.php" ]] && php_has_dom; }
if ! provisioned; then
  if [[ -n "${STACKYARD_SIMPLESAMLPHP_WWW:-}" || "${STACKYARD_PEERS_NO_INSTALL:-}" == 1 ]]; then
    log "SimpleSAMLphp is not provisioned: php, php-xml (DOMDocument) or $SIMPLESAMLPHP_WWW/saml2/idp/SSOService.php is missing, and installing is off"
    exit 1
  fi
  log "SimpleSAMLphp, php-cli or php-xml not found: installing them from the Debian archive"
  SUDO=(); [[ "$(id -u)" -ne 0 ]] && SUDO=(sudo)
  apache_was_active=0
  command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet apache2 2>/dev/null && apache_was_active=1
  "${SUDO[@]}" apt-get update >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends simplesamlphp php-cli php-xml php-mbstring >&2
  # The package depends on a web server (apache2 | httpd). Where a service manager runs, Debian
  # starts Apache on port 80 at install; the tests never use it, so one started by this install
  # is stopped and disabled again.
  if ((apache_was_active == 0)) && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet apache2 2>/dev/null; then
    log "stopping and disabling the apache2 service the simplesamlphp package started (tests use php -S)"
    "${SUDO[@]}" systemctl disable --now apache2 >&2 || log "could not stop apache2 (harmless for the tests)"
  fi
  provisioned || { log "cannot provision SimpleSAMLphp: still missing after apt-get install"; exit 1; }
  log "provisioned: $(dpkg-query -W -f='${Package} ${Version}; ' simplesamlphp php-cli php-xml php-mbstring)"
fi
printf 'simplesamlphp %s, PHP %s\n' "$(dpkg-query -W -f='${Version}' simplesamlphp 2>/dev/null || echo unknown)" "$(php -r 'echo PHP_VERSION;')"
