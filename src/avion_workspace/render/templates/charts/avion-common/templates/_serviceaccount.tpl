{{/*
The service account the pods run as; its API token is not mounted (the services never call the
Kubernetes API).
*/}}

{{/*
Usage:
{{ include "avion-common.serviceAccount" (dict "context" $) }}
*/}}
{{- define "avion-common.serviceAccount" -}}
{{- $ctx := .context -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "avion-common.names.serviceAccount" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "context" $ctx) | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
