{{- define "stackyard.migrationContainer" -}}
{{- $c := index .ctx.Values .component -}}
name: {{ printf "migrate-%s" .component }}
image: {{ include "stackyard.image" (dict "ctx" .ctx "image" $c.image "defaults" .ctx.Values.image) | quote }}
imagePullPolicy: {{ .ctx.Values.image.pullPolicy }}
workingDir: /app
command:
  - node
args:
  - {{ printf "dist/apps/%s/src/migrate.js" .component }}
env:
  {{- include "stackyard.databaseEnv" . | nindent 2 }}
resources:
  {{- toYaml .ctx.Values.migrations.resources | nindent 2 }}
securityContext:
  {{- toYaml .ctx.Values.containerSecurityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if include "stackyard.databaseTls" .ctx }}
  {{- include "stackyard.databaseCaMount" .ctx | nindent 2 }}
  {{- end }}
{{- end -}}
