{{/*
Labels every object of this chart carries.
Usage: {{ include "avion-datastores.labels" $ }}
*/}}
{{- define "avion-datastores.labels" -}}
app.kubernetes.io/part-of: avion
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
avion.io/environment: {{ .Values.environment }}
{{- end -}}
