{{/*
The Prometheus Operator PrometheusRule holding the service's alert rules, when enabled.
The rules are data: render/alerts.py computes them from config into values.prometheusRule.
*/}}

{{/*
Usage:
{{ include "avion-common.prometheusRule" (dict "context" $) }}
*/}}
{{- define "avion-common.prometheusRule" -}}
{{- $ctx := .context -}}
{{- $r := $ctx.Values.prometheusRule -}}
{{- if and $r.enabled $r.rules -}}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
    {{- with $r.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  groups:
    - name: {{ printf "avion-%s" (include "avion-common.names.name" (dict "context" $ctx)) }}
      interval: {{ $r.interval }}
      rules:
        {{- toYaml $r.rules | nindent 8 }}
{{- end -}}
{{- end -}}
