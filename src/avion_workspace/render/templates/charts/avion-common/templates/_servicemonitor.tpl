{{/*
The Prometheus Operator ServiceMonitor scraping /metrics on the http port, when enabled.
*/}}

{{/*
Usage:
{{ include "avion-common.serviceMonitor" (dict "context" $) }}
*/}}
{{- define "avion-common.serviceMonitor" -}}
{{- $ctx := .context -}}
{{- $m := $ctx.Values.metrics -}}
{{- if and $m.enabled $m.serviceMonitor.enabled -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
    {{- with $m.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  jobLabel: app.kubernetes.io/name
  selector:
    matchLabels:
      {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  endpoints:
    - port: http
      path: {{ $m.path }}
      interval: {{ $m.serviceMonitor.interval }}
      scheme: http
{{- end -}}
{{- end -}}
