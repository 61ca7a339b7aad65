{{- define "stackyard.consoleEnv" -}}
- name: STACKYARD_IDENTITY_URL
  value: {{ include "stackyard.serviceUrl" (dict "ctx" . "component" "identity") | quote }}
- name: STACKYARD_CONSOLE_URL
  value: {{ printf "https://%s" .Values.ingress.console.host | quote }}
{{- with .Values.console.trustedProxies }}
- name: STACKYARD_TRUSTED_PROXIES
  value: {{ join "," . | quote }}
{{- end }}
{{- end -}}
