{{/*
The HorizontalPodAutoscaler (autoscaling/v2) on CPU utilisation, when autoscaling is enabled.
*/}}

{{/*
Usage:
{{ include "avion-common.hpa" (dict "context" $) }}
*/}}
{{- define "avion-common.hpa" -}}
{{- $ctx := .context -}}
{{- $a := $ctx.Values.autoscaling -}}
{{- if $a.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
{{- end -}}
{{- end -}}
