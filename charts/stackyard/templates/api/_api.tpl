{{- define "stackyard.apiEnv" -}}
{{- $v := .Values -}}
- name: STACKYARD_MIGRATE_ON_START
  value: "false"
- name: STACKYARD_IDENTITY_URL
  value: {{ include "stackyard.serviceUrl" (dict "ctx" . "component" "identity") | quote }}
- name: STACKYARD_SECRETS_URL
  value: {{ include "stackyard.serviceUrl" (dict "ctx" . "component" "secrets") | quote }}
- name: STACKYARD_LEASE_SECONDS
  value: {{ $v.api.leaseSeconds | quote }}
- name: STACKYARD_OBJECT_ENCRYPTION
  value: {{ $v.api.objectEncryption | quote }}
- name: STACKYARD_OBJECT_STORE
  value: s3
{{- if $v.minio.enabled }}
- name: STACKYARD_S3_ENDPOINT
  value: {{ printf "https://%s:9000" (include "stackyard.serviceHost" (dict "ctx" . "component" "minio")) | quote }}
- name: STACKYARD_S3_BUCKET
  value: {{ $v.minio.bucket | quote }}
- name: STACKYARD_S3_REGION
  value: us-east-1
{{- else }}
- name: STACKYARD_S3_ENDPOINT
  value: {{ $v.externalS3.endpoint | quote }}
- name: STACKYARD_S3_BUCKET
  value: {{ $v.externalS3.bucket | quote }}
- name: STACKYARD_S3_REGION
  value: {{ $v.externalS3.region | quote }}
{{- with $v.externalS3.prefix }}
- name: STACKYARD_S3_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- end }}
- name: STACKYARD_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "stackyard.s3Secret" . }}
      key: {{ if $v.minio.enabled }}access-key{{ else }}{{ $v.externalS3.accessKeyKey }}{{ end }}
- name: STACKYARD_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "stackyard.s3Secret" . }}
      key: {{ if $v.minio.enabled }}secret-key{{ else }}{{ $v.externalS3.secretKeyKey }}{{ end }}
{{- if or $v.minio.enabled $v.externalS3.caConfigMap }}
- name: STACKYARD_S3_CA_FILE
  value: /etc/stackyard/s3-ca/ca.crt
{{- end }}
{{- include "stackyard.leaderElectionEnv" . }}
{{- end -}}

{{/* The CA that verifies the object store: the bundled MinIO's certificate is from the internal CA. */}}
{{- define "stackyard.s3CaVolumeSource" -}}
{{- if .Values.minio.enabled -}}
secret:
  secretName: {{ include "stackyard.internalTlsSecret" (dict "ctx" . "component" "api") }}
  defaultMode: 0440
  items:
    - key: ca.crt
      path: ca.crt
{{- else -}}
configMap:
  name: {{ .Values.externalS3.caConfigMap }}
  items:
    - key: ca.crt
      path: ca.crt
{{- end -}}
{{- end -}}
