{{/*
Checks across values that a JSON schema cannot express. Every message is collected and the
render fails once, listing them all.
*/}}

{{/*
Usage:
{{ include "avion-common.validations.values" (dict "context" $) }}
*/}}
{{- define "avion-common.validations.values" -}}
{{- $v := .context.Values -}}
{{- $messages := list -}}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- $messages = append $messages (printf "autoscaling.minReplicas (%v) is above autoscaling.maxReplicas (%v)" $v.autoscaling.minReplicas $v.autoscaling.maxReplicas) -}}
{{- end -}}
{{- $floor := ternary $v.autoscaling.minReplicas $v.replicaCount $v.autoscaling.enabled -}}
{{- if and $v.podDisruptionBudget.enabled (le (int $floor) (int $v.podDisruptionBudget.maxUnavailable)) -}}
{{- $messages = append $messages (printf "podDisruptionBudget.maxUnavailable (%v) leaves no pod running out of %v replicas" $v.podDisruptionBudget.maxUnavailable $floor) -}}
{{- end -}}
{{- if and $v.migrations.enabled (not $v.migrations.command) -}}
{{- $messages = append $messages "migrations.enabled needs migrations.command" -}}
{{- end -}}
{{- if $messages -}}
{{- fail (printf "\n\nVALUES VALIDATION:\n%s" (join "\n" $messages)) -}}
{{- end -}}
{{- end -}}
