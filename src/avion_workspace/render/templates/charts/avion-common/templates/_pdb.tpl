{{/*
The PodDisruptionBudget, when enabled: voluntary disruptions (node drains, upgrades) take at most
maxUnavailable pods at a time.
*/}}

{{/*
Usage:
{{ include "avion-common.pdb" (dict "context" $) }}
*/}}
{{- define "avion-common.pdb" -}}
{{- $ctx := .context -}}
{{- if $ctx.Values.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
spec:
  maxUnavailable: {{ $ctx.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 6 }}
{{- end -}}
{{- end -}}
