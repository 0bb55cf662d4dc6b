{{/*
Names: the chart name, the release-qualified full name, the namespace, the service account.
All names are DNS-1123 labels of at most 63 characters.
*/}}

{{/*
The chart's name.
Usage:
{{ include "avion-common.names.name" (dict "context" $) }}
*/}}
{{- define "avion-common.names.name" -}}
{{- default .context.Chart.Name .context.Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The fully qualified name: the release name, or "<release>-<chart>" when the release name does
not already contain the chart name.
Usage:
{{ include "avion-common.names.fullname" (dict "context" $) }}
*/}}
{{- define "avion-common.names.fullname" -}}
{{- if .context.Values.fullnameOverride -}}
{{- .context.Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .context.Chart.Name .context.Values.nameOverride -}}
{{- if contains $name .context.Release.Name -}}
{{- .context.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .context.Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A component's name: "<fullname>-<component>", within 63 characters.
Usage:
{{ include "avion-common.names.component" (dict "component" "migrate" "context" $) }}
*/}}
{{- define "avion-common.names.component" -}}
{{- $full := include "avion-common.names.fullname" (dict "context" .context) -}}
{{- printf "%s-%s" ($full | trunc (int (sub 62 (len .component)))) .component | trimSuffix "-" -}}
{{- end -}}

{{/*
"<name>-<version>" as used by the helm.sh/chart label.
Usage:
{{ include "avion-common.names.chart" (dict "context" $) }}
*/}}
{{- define "avion-common.names.chart" -}}
{{- printf "%s-%s" .context.Chart.Name .context.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The namespace every object is created in.
Usage:
{{ include "avion-common.names.namespace" (dict "context" $) }}
*/}}
{{- define "avion-common.names.namespace" -}}
{{- default .context.Release.Namespace .context.Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The service account the pods run as.
Usage:
{{ include "avion-common.names.serviceAccount" (dict "context" $) }}
*/}}
{{- define "avion-common.names.serviceAccount" -}}
{{- default (include "avion-common.names.fullname" (dict "context" .context)) .context.Values.serviceAccount.name -}}
{{- end -}}
