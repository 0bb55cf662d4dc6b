{{/*
Labels: the recommended app.kubernetes.io set, and the immutable selector subset.
*/}}

{{/*
Standard labels for every object; "component" is optional.
Usage:
{{ include "avion-common.labels.standard" (dict "component" "server" "context" $) }}
*/}}
{{- define "avion-common.labels.standard" -}}
{{ include "avion-common.labels.matchLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: {{ .context.Values.partOf }}
helm.sh/chart: {{ include "avion-common.names.chart" (dict "context" .context) }}
avion.dev/environment: {{ .context.Values.environment }}
{{- end -}}

{{/*
Selector labels: stable across upgrades (a Deployment's selector is immutable).
Usage:
{{ include "avion-common.labels.matchLabels" (dict "component" "server" "context" $) }}
*/}}
{{- define "avion-common.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "avion-common.names.name" (dict "context" .context) }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}
