{{- define "stackyard.secretsEnv" -}}
{{- $kp := .Values.keyProvider -}}
- name: STACKYARD_MIGRATE_ON_START
  value: "false"
- name: STACKYARD_KEY_PROVIDER
  value: {{ $kp.type | quote }}
{{- with .Values.secrets.cipherWorkers }}
- name: STACKYARD_CIPHER_WORKERS
  value: {{ . | quote }}
{{- end }}
{{- if eq $kp.type "local" }}
- name: STACKYARD_LOCAL_KEY_FILE
  value: /etc/stackyard/local-key/key
{{- else if eq $kp.type "vault" }}
- name: STACKYARD_VAULT_ADDR
  value: {{ $kp.vault.address | quote }}
- name: STACKYARD_VAULT_TRANSIT_MOUNT
  value: {{ $kp.vault.transitMount | quote }}
- name: STACKYARD_VAULT_TRANSIT_KEY
  value: {{ $kp.vault.transitKey | quote }}
- name: STACKYARD_VAULT_AUTH
  value: {{ $kp.vault.auth | quote }}
{{- with $kp.vault.namespace }}
- name: STACKYARD_VAULT_NAMESPACE
  value: {{ . | quote }}
{{- end }}
{{- if eq $kp.vault.auth "token" }}
- name: STACKYARD_VAULT_TOKEN_FILE
  value: /etc/stackyard/vault-token/token
{{- else }}
- name: STACKYARD_VAULT_KUBERNETES_ROLE
  value: {{ $kp.vault.kubernetes.role | quote }}
- name: STACKYARD_VAULT_KUBERNETES_MOUNT
  value: {{ $kp.vault.kubernetes.mount | quote }}
- name: STACKYARD_VAULT_KUBERNETES_TOKEN_PATH
  value: /var/run/secrets/stackyard/vault/token
{{- end }}
{{- if $kp.vault.caConfigMap }}
- name: STACKYARD_VAULT_CA_FILE
  value: /etc/stackyard/provider-ca/ca.crt
{{- end }}
{{- else if eq $kp.type "aws-kms" }}
- name: STACKYARD_AWS_KMS_ENDPOINT
  value: {{ $kp.awsKms.endpoint | quote }}
- name: STACKYARD_AWS_KMS_REGION
  value: {{ $kp.awsKms.region | quote }}
- name: STACKYARD_AWS_KMS_KEY_ID
  value: {{ $kp.awsKms.keyId | quote }}
- name: STACKYARD_AWS_KMS_ACCESS_KEY_ID_FILE
  value: /etc/stackyard/aws-kms/access-key-id
- name: STACKYARD_AWS_KMS_SECRET_ACCESS_KEY_FILE
  value: /etc/stackyard/aws-kms/secret-access-key
{{- else if eq $kp.type "azure-keyvault" }}
- name: STACKYARD_AZURE_KEYVAULT_URL
  value: {{ $kp.azureKeyVault.url | quote }}
- name: STACKYARD_AZURE_KEYVAULT_KEY_NAME
  value: {{ $kp.azureKeyVault.keyName | quote }}
- name: STACKYARD_AZURE_KEYVAULT_ACCESS_TOKEN_PATH
  value: /etc/stackyard/azure-token/token
{{- if $kp.azureKeyVault.caConfigMap }}
- name: STACKYARD_AZURE_KEYVAULT_CA_FILE
  value: /etc/stackyard/provider-ca/ca.crt
{{- end }}
{{- else if eq $kp.type "gcp-kms" }}
- name: STACKYARD_GCP_KMS_CRYPTO_KEY
  value: {{ $kp.gcpKms.cryptoKey | quote }}
- name: STACKYARD_GCP_KMS_ENDPOINT
  value: {{ $kp.gcpKms.endpoint | quote }}
- name: STACKYARD_GCP_KMS_PORT
  value: {{ $kp.gcpKms.port | quote }}
- name: STACKYARD_GCP_KMS_CREDENTIALS_FILE
  value: /etc/stackyard/gcp-kms/credentials.json
{{- if $kp.gcpKms.caConfigMap }}
- name: STACKYARD_GCP_KMS_CA_FILE
  value: /etc/stackyard/provider-ca/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/* The provider's private CA, when one is configured for the selected provider. */}}
{{- define "stackyard.providerCaConfigMap" -}}
{{- $kp := .Values.keyProvider -}}
{{- if eq $kp.type "vault" }}{{ $kp.vault.caConfigMap }}{{ else if eq $kp.type "azure-keyvault" }}{{ $kp.azureKeyVault.caConfigMap }}{{ else if eq $kp.type "gcp-kms" }}{{ $kp.gcpKms.caConfigMap }}{{ end -}}
{{- end -}}

{{- define "stackyard.secretsVolumes" -}}
{{- $kp := .Values.keyProvider -}}
{{- if eq $kp.type "local" }}
- name: local-key
  secret:
    secretName: {{ $kp.local.existingSecret | default (printf "%s-local-key" (include "stackyard.fullname" .)) }}
    defaultMode: 0400
    items:
      - key: {{ $kp.local.secretKey }}
        path: key
{{- else if eq $kp.type "vault" }}
{{- if eq $kp.vault.auth "token" }}
- name: vault-token
  secret:
    secretName: {{ $kp.vault.tokenSecret.name }}
    defaultMode: 0400
    items:
      - key: {{ $kp.vault.tokenSecret.key }}
        path: token
{{- else }}
- name: vault-sa-token
  projected:
    defaultMode: 0440
    sources:
      - serviceAccountToken:
          audience: {{ $kp.vault.kubernetes.audience }}
          expirationSeconds: 3600
          path: token
{{- end }}
{{- else if eq $kp.type "aws-kms" }}
- name: aws-kms
  secret:
    secretName: {{ $kp.awsKms.credentialsSecret.name }}
    defaultMode: 0400
    items:
      - key: {{ $kp.awsKms.credentialsSecret.accessKeyIdKey }}
        path: access-key-id
      - key: {{ $kp.awsKms.credentialsSecret.secretAccessKeyKey }}
        path: secret-access-key
{{- else if eq $kp.type "azure-keyvault" }}
- name: azure-token
  secret:
    secretName: {{ $kp.azureKeyVault.accessTokenSecret }}
    defaultMode: 0400
    items:
      - key: token
        path: token
{{- else if eq $kp.type "gcp-kms" }}
- name: gcp-kms
  secret:
    secretName: {{ $kp.gcpKms.credentialsSecret }}
    defaultMode: 0400
    items:
      - key: credentials.json
        path: credentials.json
{{- end }}
{{- with (include "stackyard.providerCaConfigMap" .) }}
- name: provider-ca
  configMap:
    name: {{ . }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "stackyard.secretsMounts" -}}
{{- $kp := .Values.keyProvider -}}
{{- if eq $kp.type "local" }}
- name: local-key
  mountPath: /etc/stackyard/local-key
  readOnly: true
{{- else if eq $kp.type "vault" }}
{{- if eq $kp.vault.auth "token" }}
- name: vault-token
  mountPath: /etc/stackyard/vault-token
  readOnly: true
{{- else }}
- name: vault-sa-token
  mountPath: /var/run/secrets/stackyard/vault
  readOnly: true
{{- end }}
{{- else if eq $kp.type "aws-kms" }}
- name: aws-kms
  mountPath: /etc/stackyard/aws-kms
  readOnly: true
{{- else if eq $kp.type "azure-keyvault" }}
- name: azure-token
  mountPath: /etc/stackyard/azure-token
  readOnly: true
{{- else if eq $kp.type "gcp-kms" }}
- name: gcp-kms
  mountPath: /etc/stackyard/gcp-kms
  readOnly: true
{{- end }}
{{- if (include "stackyard.providerCaConfigMap" .) }}
- name: provider-ca
  mountPath: /etc/stackyard/provider-ca
  readOnly: true
{{- end }}
{{- end -}}
