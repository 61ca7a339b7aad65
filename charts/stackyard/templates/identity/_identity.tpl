{{- define "stackyard.identityEnv" -}}
{{- $v := .Values -}}
{{- $i := $v.identity -}}
- name: STACKYARD_MIGRATE_ON_START
  value: "false"
- name: STACKYARD_BOOTSTRAP_ADMIN_TOKEN_FILE
  value: /etc/stackyard/bootstrap/token
- name: STACKYARD_BOOTSTRAP_ADMIN_LOGIN
  value: {{ $i.bootstrap.adminLogin | quote }}
- name: STACKYARD_BOOTSTRAP_ORG
  value: {{ $i.bootstrap.organization | quote }}
- name: STACKYARD_CONSOLE_TOKEN_KEY_FILE
  value: /etc/stackyard/console-token-key/key
- name: STACKYARD_CONSOLE_URL
  value: {{ printf "https://%s" $v.ingress.console.host | quote }}
{{- if or $i.directories.config $i.directories.existingSecret }}
- name: STACKYARD_DIRECTORIES_FILE
  value: /etc/stackyard/directories/directories.json
{{- end }}
{{- if or $i.oauthProviders.config $i.oauthProviders.existingSecret }}
- name: STACKYARD_OAUTH_PROVIDERS_FILE
  value: /etc/stackyard/oauth-providers/oauth-providers.json
{{- end }}
- name: STACKYARD_OIDC_MAX_TOKEN_LIFETIME_SECONDS
  value: {{ $i.oidc.maxTokenLifetimeSeconds | quote }}
- name: STACKYARD_OIDC_CLOCK_SKEW_SECONDS
  value: {{ $i.oidc.clockSkewSeconds | quote }}
{{- with $i.oidc.discoveryHosts }}
- name: STACKYARD_OIDC_DISCOVERY_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
{{- if $i.oidc.caConfigMap }}
- name: STACKYARD_OIDC_CA_FILE
  value: /etc/stackyard/oidc-ca/ca.crt
{{- end }}
{{- with $i.auditSyslog.url }}
- name: STACKYARD_AUDIT_SYSLOG_URL
  value: {{ . | quote }}
{{- end }}
{{- if $i.auditSyslog.caConfigMap }}
- name: STACKYARD_AUDIT_SYSLOG_CA_FILE
  value: /etc/stackyard/syslog-ca/ca.crt
{{- end }}
{{- with $i.breakGlassLogins }}
- name: STACKYARD_BREAK_GLASS_LOGINS
  value: {{ join "," . | quote }}
{{- end }}
{{- include "stackyard.leaderElectionEnv" . }}
{{- end -}}

{{- define "stackyard.identityVolumes" -}}
{{- $v := .Values -}}
{{- $i := $v.identity -}}
{{- $full := include "stackyard.fullname" . -}}
- name: bootstrap
  secret:
    secretName: {{ $i.bootstrap.existingSecret | default (printf "%s-bootstrap" $full) }}
    defaultMode: 0440
    items:
      - key: {{ $i.bootstrap.tokenKey }}
        path: token
- name: console-token-key
  secret:
    secretName: {{ $i.consoleTokenKeySecret | default (printf "%s-console-token-key" $full) }}
    defaultMode: 0440
    items:
      - key: console-token-key
        path: key
{{- if or $i.directories.config $i.directories.existingSecret }}
- name: directories
  secret:
    secretName: {{ $i.directories.existingSecret | default (printf "%s-identity-directories" $full) }}
    defaultMode: 0440
    items:
      - key: directories.json
        path: directories.json
{{- end }}
{{- if or $i.oauthProviders.config $i.oauthProviders.existingSecret }}
- name: oauth-providers
  secret:
    secretName: {{ $i.oauthProviders.existingSecret | default (printf "%s-identity-oauth-providers" $full) }}
    defaultMode: 0440
    items:
      - key: oauth-providers.json
        path: oauth-providers.json
{{- end }}
{{- with $i.oidc.caConfigMap }}
- name: oidc-ca
  configMap:
    name: {{ . }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- with $i.auditSyslog.caConfigMap }}
- name: syslog-ca
  configMap:
    name: {{ . }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- range $i.extraSecretMounts }}
- name: {{ .name }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "stackyard.identityMounts" -}}
{{- $i := .Values.identity -}}
- name: bootstrap
  mountPath: /etc/stackyard/bootstrap
  readOnly: true
- name: console-token-key
  mountPath: /etc/stackyard/console-token-key
  readOnly: true
{{- if or $i.directories.config $i.directories.existingSecret }}
- name: directories
  mountPath: /etc/stackyard/directories
  readOnly: true
{{- end }}
{{- if or $i.oauthProviders.config $i.oauthProviders.existingSecret }}
- name: oauth-providers
  mountPath: /etc/stackyard/oauth-providers
  readOnly: true
{{- end }}
{{- if $i.oidc.caConfigMap }}
- name: oidc-ca
  mountPath: /etc/stackyard/oidc-ca
  readOnly: true
{{- end }}
{{- if $i.auditSyslog.caConfigMap }}
- name: syslog-ca
  mountPath: /etc/stackyard/syslog-ca
  readOnly: true
{{- end }}
{{- range $i.extraSecretMounts }}
- name: {{ .name }}
  mountPath: {{ .mountPath }}
  readOnly: true
{{- end }}
{{- end -}}
