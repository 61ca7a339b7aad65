{{- define "stackyard.consoleEnv" -}}
- name: STACKYARD_IDENTITY_URL
  value: {{ include "stackyard.serviceUrl" (dict "ctx" . "component" "identity") | quote }}
- name: STACKYARD_CONSOLE_URL
  value: {{ printf "https://%s" .Values.ingress.console.host | quote }}
{{- /* The console calls the api as the signed-in person, through the api's Service (its public listener). */}}
- name: STACKYARD_API_URL
  value: {{ include "stackyard.serviceUrl" (dict "ctx" . "component" "api") | quote }}
{{- /* Unset, the console trusts the internal CA (its own ca.crt), which also issues the api's public certificate unless tls.certManager.publicIssuerRef names another issuer. */}}
{{- if .Values.console.apiCaConfigMap }}
- name: STACKYARD_API_CA_FILE
  value: /etc/stackyard/api-ca/ca.crt
{{- end }}
{{- with .Values.console.trustedProxies }}
- name: STACKYARD_TRUSTED_PROXIES
  value: {{ join "," . | quote }}
{{- end }}
{{- end -}}


{{/* The CA of the api's public certificate, when it is not the internal CA (console.apiCaConfigMap). */}}
{{- define "stackyard.consoleVolumes" -}}
{{- with .Values.console.apiCaConfigMap }}
- name: api-ca
  configMap:
    name: {{ . }}
    defaultMode: 0444
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "stackyard.consoleMounts" -}}
{{- if .Values.console.apiCaConfigMap }}
- name: api-ca
  mountPath: /etc/stackyard/api-ca
  readOnly: true
{{- end }}
{{- end -}}
