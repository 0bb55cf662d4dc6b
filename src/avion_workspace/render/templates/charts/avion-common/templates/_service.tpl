{{/*
The ClusterIP Service in front of the pods: http (which also serves /metrics) and grpc.
*/}}

{{/*
Usage:
{{ include "avion-common.service" (dict "context" $) }}
*/}}
{{- define "avion-common.service" -}}
{{- $ctx := .context -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 4 }}
  ports:
    - name: http
      port: {{ $ctx.Values.ports.http }}
      targetPort: http
      protocol: TCP
    - name: grpc
      port: {{ $ctx.Values.ports.grpc }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
{{- end -}}
