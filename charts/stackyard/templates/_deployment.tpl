{{/*
The Deployment shared by the four services. Call with a dict:
  ctx        the root context
  component  api | identity | secrets | console
  app        the app directory under dist/apps (api, identity, secrets, console-backend)
  public     true for the listeners the ingress reaches (api, console): httpGet probes
  env        extra container env (YAML list as a string)
  volumes    extra pod volumes (YAML list as a string)
  mounts     extra volume mounts (YAML list as a string)
  kubeApi    mount a ServiceAccount token (the service talks to the Kubernetes API)
*/}}
{{- define "stackyard.deployment" -}}
{{- $ctx := .ctx -}}
{{- $c := index $ctx.Values .component -}}
{{- $name := include "stackyard.componentName" . -}}
{{- /* console-backend has no database; the others mount the database's CA for their URL's ssl-ca. */ -}}
{{- $usesDatabase := has .component (list "api" "identity" "secrets") -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "stackyard.labels" . | nindent 4 }}
spec:
  {{- if not $c.autoscaling.enabled }}
  replicas: {{ $c.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "stackyard.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "stackyard.selectorLabels" . | nindent 8 }}
        {{- with $c.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        {{- /* Roll the pods when the rendered configuration changes. */}}
        checksum/config: {{ printf "%s%s%s" .env .volumes .mounts | sha256sum }}
        {{- include "stackyard.podAnnotations" . | nindent 8 }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: {{ .kubeApi }}
      enableServiceLinks: false
      securityContext:
        {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      {{- include "stackyard.imagePullSecrets" $ctx | nindent 6 }}
      {{- include "stackyard.podScheduling" . | nindent 6 }}
      terminationGracePeriodSeconds: 60
      containers:
        - name: {{ .component }}
          image: {{ include "stackyard.image" (dict "ctx" $ctx "image" $c.image "defaults" $ctx.Values.image) | quote }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          workingDir: /app
          command:
            - node
          args:
            - {{ printf "dist/apps/%s/src/main.js" .app }}
          ports:
            - name: https
              containerPort: {{ $c.containerPort }}
              protocol: TCP
          env:
            {{- include "stackyard.commonEnv" . | nindent 12 }}
            {{- .env | nindent 12 }}
            {{- with $c.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if .public }}
          startupProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          {{- else }}
          startupProbe:
            {{- include "stackyard.execProbe" (dict "path" "/healthz") | nindent 12 }}
            periodSeconds: 5
            timeoutSeconds: 5
            failureThreshold: 60
          livenessProbe:
            {{- include "stackyard.execProbe" (dict "path" "/healthz") | nindent 12 }}
            periodSeconds: 15
            timeoutSeconds: 5
            failureThreshold: 4
          readinessProbe:
            {{- include "stackyard.execProbe" (dict "path" "/readyz") | nindent 12 }}
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          securityContext:
            {{- toYaml $ctx.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "stackyard.tlsVolumeMounts" . | nindent 12 }}
            {{- if and $usesDatabase (include "stackyard.databaseTls" $ctx) }}
            {{- include "stackyard.databaseCaMount" $ctx | nindent 12 }}
            {{- end }}
            {{- .mounts | nindent 12 }}
      volumes:
        {{- include "stackyard.tlsVolumes" . | nindent 8 }}
        {{- if and $usesDatabase (include "stackyard.databaseTls" $ctx) }}
        {{- include "stackyard.databaseCaVolume" $ctx | nindent 8 }}
        {{- end }}
        {{- .volumes | nindent 8 }}
{{- end -}}

{{/* Service, ServiceAccount, PodDisruptionBudget and HorizontalPodAutoscaler of a service. */}}
{{- define "stackyard.serviceResources" -}}
{{- $ctx := .ctx -}}
{{- $c := index $ctx.Values .component -}}
{{- $name := include "stackyard.componentName" . -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "stackyard.labels" . | nindent 4 }}
  {{- with $c.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $c.service.type }}
  selector:
    {{- include "stackyard.selectorLabels" . | nindent 4 }}
  ports:
    - name: https
      port: {{ $c.service.port }}
      targetPort: https
      protocol: TCP
      appProtocol: https
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "stackyard.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- if $c.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "stackyard.labels" . | nindent 4 }}
spec:
  minAvailable: {{ $c.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "stackyard.selectorLabels" . | nindent 6 }}
{{- end }}
{{- if $c.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "stackyard.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $c.autoscaling.minReplicas }}
  maxReplicas: {{ $c.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $c.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}
