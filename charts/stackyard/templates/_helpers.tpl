{{/*
Names, labels and shared snippets of the Stackyard chart. Components: api, identity, secrets,
console (the console-backend service), migrations, mariadb, minio.
*/}}

{{- define "stackyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "stackyard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>", e.g. stackyard-api. Call with (dict "ctx" $ "component" "api"). */}}
{{- define "stackyard.componentName" -}}
{{- printf "%s-%s" (include "stackyard.fullname" .ctx | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "stackyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stackyard.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "stackyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "stackyard.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: stackyard
{{- with .ctx.Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The in-cluster DNS name of a component's Service. */}}
{{- define "stackyard.serviceHost" -}}
{{- printf "%s.%s.svc.%s" (include "stackyard.componentName" .) .ctx.Release.Namespace .ctx.Values.global.clusterDomain -}}
{{- end -}}

{{/* https URL of an internal service: (dict "ctx" $ "component" "identity"). */}}
{{- define "stackyard.serviceUrl" -}}
{{- $values := index .ctx.Values .component -}}
{{- printf "https://%s:%v" (include "stackyard.serviceHost" .) $values.service.port -}}
{{- end -}}

{{/*
An image reference: (dict "ctx" $ "image" .Values.api.image "defaults" .Values.image).
global.imageRegistry (an air-gapped mirror) wins; a digest wins over a tag.
*/}}
{{- define "stackyard.image" -}}
{{- $defaults := .defaults | default dict -}}
{{- $registry := .ctx.Values.global.imageRegistry | default .image.registry | default $defaults.registry -}}
{{- $digest := .image.digest | default $defaults.digest -}}
{{- $tag := .image.tag | default $defaults.tag | default .ctx.Chart.AppVersion -}}
{{- $ref := .image.repository -}}
{{- if $registry }}{{ $ref = printf "%s/%s" $registry $ref }}{{ end -}}
{{- if $digest -}}
{{- printf "%s@%s" $ref $digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (toString $tag) -}}
{{- end -}}
{{- end -}}

{{- define "stackyard.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Secret names of the certificates (cert-manager writes them; in `secrets` mode they are given). */}}
{{- define "stackyard.publicTlsSecret" -}}
{{- if eq .ctx.Values.tls.mode "secrets" -}}
{{- index .ctx.Values.tls.secrets .component -}}
{{- else -}}
{{- printf "%s-public-tls" (include "stackyard.componentName" .) -}}
{{- end -}}
{{- end -}}

{{- define "stackyard.internalTlsSecret" -}}
{{- if eq .ctx.Values.tls.mode "secrets" -}}
{{- index .ctx.Values.tls.secrets.internal .component -}}
{{- else -}}
{{- printf "%s-internal-tls" (include "stackyard.componentName" .) -}}
{{- end -}}
{{- end -}}

{{- define "stackyard.internalIssuerName" -}}
{{- .Values.tls.certManager.internalIssuerRef.name | default (printf "%s-internal-ca" (include "stackyard.fullname" .)) -}}
{{- end -}}

{{/* Generated-or-existing Secret names. */}}
{{- define "stackyard.databaseSecret" -}}
{{- if .Values.mariadb.enabled -}}
{{- .Values.mariadb.auth.existingSecret | default (printf "%s-mariadb" (include "stackyard.fullname" .)) -}}
{{- else -}}
{{- .Values.externalDatabase.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "stackyard.s3Secret" -}}
{{- if .Values.minio.enabled -}}
{{- .Values.minio.auth.existingSecret | default (printf "%s-minio" (include "stackyard.fullname" .)) -}}
{{- else -}}
{{- .Values.externalS3.existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
TLS to the database: whether the database URLs name a CA (always with the bundled MariaDB, which
serves only TLS; by default with an external one), and where that CA is mounted. The services
verify the server's certificate against it and its name against the URL's host.
*/}}
{{- define "stackyard.databaseTls" -}}
{{- if or .Values.mariadb.enabled .Values.externalDatabase.tls.enabled -}}true{{- end -}}
{{- end -}}

{{- define "stackyard.databaseCaDir" -}}/etc/stackyard/database-ca{{- end -}}

{{/* The `?ssl-ca=` query of the database URLs (empty when TLS to an external database is off). */}}
{{- define "stackyard.databaseUrlQuery" -}}
{{- if include "stackyard.databaseTls" . -}}
{{- printf "?ssl-ca=%s/ca.crt" (include "stackyard.databaseCaDir" .) -}}
{{- end -}}
{{- end -}}

{{/*
The volume with the database's CA (as `ca.crt`): the bundled MariaDB's certificate Secret (only
its `ca.crt` item, never the key), else the operator's Secret or ConfigMap. Renders nothing when
TLS to an external database is off. Call with the root context.
*/}}
{{- define "stackyard.databaseCaVolume" -}}
{{- $v := .Values -}}
{{- $tls := $v.externalDatabase.tls -}}
{{- if $v.mariadb.enabled -}}
- name: database-ca
  secret:
    secretName: {{ include "stackyard.internalTlsSecret" (dict "ctx" . "component" "mariadb") }}
    defaultMode: 0440
    items:
      - key: ca.crt
        path: ca.crt
{{- else if and $tls.enabled $tls.caSecret -}}
- name: database-ca
  secret:
    secretName: {{ $tls.caSecret }}
    defaultMode: 0440
    items:
      - key: {{ $tls.caKey }}
        path: ca.crt
{{- else if $tls.enabled -}}
- name: database-ca
  configMap:
    name: {{ $tls.caConfigMap }}
    items:
      - key: {{ $tls.caKey }}
        path: ca.crt
{{- end -}}
{{- end -}}

{{- define "stackyard.databaseCaMount" -}}
{{- if include "stackyard.databaseTls" . -}}
- name: database-ca
  mountPath: {{ include "stackyard.databaseCaDir" . }}
  readOnly: true
{{- end -}}
{{- end -}}

{{/*
The environment that gives one service its database: DATABASE_PASSWORD from the Secret, then
STACKYARD_DATABASE_URL built from it by Kubernetes' $(VAR) expansion (so the password is never in
the manifest), with `?ssl-ca=` naming the mounted CA. Call with (dict "ctx" $ "component" "api").
*/}}
{{- define "stackyard.databaseEnv" -}}
{{- $v := .ctx.Values -}}
{{- $query := include "stackyard.databaseUrlQuery" .ctx -}}
{{- if $v.mariadb.enabled -}}
{{- $names := dict "api" "stackyard_api" "identity" "stackyard_identity" "secrets" "stackyard_secrets" -}}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "stackyard.databaseSecret" .ctx }}
      key: {{ printf "%s-password" .component }}
- name: STACKYARD_DATABASE_URL
  value: {{ printf "mariadb://%s:$(DATABASE_PASSWORD)@%s:3306/%s%s" (index $names .component) (include "stackyard.serviceHost" (dict "ctx" .ctx "component" "mariadb")) (index $names .component) $query | quote }}
{{- else -}}
{{- $db := index $v.externalDatabase .component -}}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.externalDatabase.existingSecret }}
      key: {{ $db.passwordKey }}
- name: STACKYARD_DATABASE_URL
  value: {{ printf "%s://%s:$(DATABASE_PASSWORD)@%s:%v/%s%s" $v.externalDatabase.scheme $db.user $v.externalDatabase.host $v.externalDatabase.port $db.database $query | quote }}
{{- end -}}
{{- end -}}

{{/* Environment every service shares: listener, TLS files, log format. */}}
{{- define "stackyard.commonEnv" -}}
- name: STACKYARD_LISTEN_HOST
  value: "0.0.0.0"
- name: STACKYARD_PORT
  value: {{ (index .ctx.Values .component).containerPort | quote }}
- name: STACKYARD_TLS_CERT_FILE
  value: /etc/stackyard/tls/listener/tls.crt
- name: STACKYARD_TLS_KEY_FILE
  value: /etc/stackyard/tls/listener/tls.key
- name: STACKYARD_INTERNAL_CA_FILE
  value: /etc/stackyard/tls/internal/ca.crt
- name: STACKYARD_INTERNAL_CERT_FILE
  value: /etc/stackyard/tls/internal/tls.crt
- name: STACKYARD_INTERNAL_KEY_FILE
  value: /etc/stackyard/tls/internal/tls.key
- name: STACKYARD_LOG_FORMAT
  value: {{ .ctx.Values.logFormat | quote }}
{{- end -}}

{{/* Environment of a service that elects singletons on a Lease (helper contract: these exact names). */}}
{{- define "stackyard.leaderElectionEnv" -}}
{{- if .Values.leaderElection.kubernetes.enabled }}
- name: STACKYARD_LEADER_ELECTION
  value: kubernetes
- name: STACKYARD_LEADER_ELECTION_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end }}
{{- end -}}

{{/* The TLS volumes of a service: its listener certificate and its internal (mutual TLS) one. */}}
{{- define "stackyard.tlsVolumes" -}}
- name: listener-tls
  secret:
    secretName: {{ if .public }}{{ include "stackyard.publicTlsSecret" . }}{{ else }}{{ include "stackyard.internalTlsSecret" . }}{{ end }}
    defaultMode: 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
- name: internal-tls
  secret:
    secretName: {{ include "stackyard.internalTlsSecret" . }}
    defaultMode: 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
      - key: ca.crt
        path: ca.crt
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{- define "stackyard.tlsVolumeMounts" -}}
- name: listener-tls
  mountPath: /etc/stackyard/tls/listener
  readOnly: true
- name: internal-tls
  mountPath: /etc/stackyard/tls/internal
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Pod-level settings shared by the four services: (dict "ctx" $ "component" "api"). */}}
{{- define "stackyard.podScheduling" -}}
{{- $c := index .ctx.Values .component -}}
{{- with $c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $c.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml $c.topologySpreadConstraints | nindent 2 }}
{{- else }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "stackyard.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{- define "stackyard.podAnnotations" -}}
{{- $c := index .ctx.Values .component -}}
{{- if .ctx.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/scheme: https
prometheus.io/port: {{ $c.containerPort | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with $c.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
An exec probe for the mutual-TLS services (identity, secrets): the kubelet cannot present a client
certificate, so docker/probe.cjs calls the path over https with the service's own certificate.
*/}}
{{- define "stackyard.execProbe" -}}
exec:
  command:
    - node
    - docker/probe.cjs
    - {{ .path }}
{{- end -}}

{{/*
Values that earlier drafts of this chart had, and what replaced them. values.schema.json still
accepts these keys so that templates/validate.yaml can fail with this message instead of a bare
"additional property" error. Format: "<dotted.path>" → "<replacement>".
*/}}
{{- define "stackyard.removedValues" -}}
database: "mariadb.enabled (in-cluster) or externalDatabase.* (your own server)"
s3: "minio.enabled (in-cluster) or externalS3.* (your own store)"
api.port: "api.containerPort and api.service.port"
tls.enabled: "tls.mode (certManager or secrets); TLS cannot be turned off"
tls.issuer: "tls.certManager.publicIssuerRef"
kms: "keyProvider.type and keyProvider.<type>.*"
identity.ldap: "identity.directories.config"
{{- end -}}
