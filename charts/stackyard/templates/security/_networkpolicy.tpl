{{/* A NetworkPolicy peer selecting one component's pods: (dict "ctx" $ "component" "api"). */}}
{{- define "stackyard.peer" -}}
- podSelector:
    matchLabels:
      {{- include "stackyard.selectorLabels" . | nindent 6 }}
{{- end -}}

{{- define "stackyard.dnsEgress" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* Egress to the database: the bundled MariaDB's pods, or the operator's rules for an external one. */}}
{{- define "stackyard.databaseEgress" -}}
{{- if .Values.mariadb.enabled -}}
- to:
    {{- include "stackyard.peer" (dict "ctx" . "component" "mariadb") | nindent 4 }}
  ports:
    - port: 3306
      protocol: TCP
{{- else -}}
{{- with .Values.networkPolicy.databaseEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
{{- end -}}

{{- define "stackyard.kubernetesApiEgress" -}}
{{- if .Values.leaderElection.kubernetes.enabled -}}
{{- if .Values.networkPolicy.kubernetesApiEgress -}}
{{ toYaml .Values.networkPolicy.kubernetesApiEgress }}
{{- else -}}
- ports:
    - port: 443
      protocol: TCP
    - port: 6443
      protocol: TCP
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Ingress from the ingress controller (public listeners) and from the metrics scrapers. */}}
{{- define "stackyard.controllerIngress" -}}
- from:
    - namespaceSelector:
        {{- toYaml .ctx.Values.networkPolicy.ingressControllerNamespaceSelector | nindent 8 }}
      {{- with .ctx.Values.networkPolicy.ingressControllerPodSelector }}
      podSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  ports:
    - port: https
      protocol: TCP
{{- end -}}

{{- define "stackyard.metricsIngress" -}}
{{- with .Values.networkPolicy.metricsFrom }}
- from:
    {{- toYaml . | nindent 4 }}
  ports:
    - port: https
      protocol: TCP
{{- end }}
{{- end -}}
