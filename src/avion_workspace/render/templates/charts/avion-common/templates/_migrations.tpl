{{/*
Migrations run before the new version rolls out: a pre-install/pre-upgrade hook Job running the
service image's migration command. Helm waits for it; a failed Job fails (and, with --atomic,
rolls back) the release before any pod of the new version starts. The Job's service account and
NetworkPolicy are hooks too, so they exist before it on the very first install.
*/}}

{{/*
Hook annotations, ordered by weight (lower runs first).
Usage:
{{ include "avion-common.migrations.hookAnnotations" (dict "weight" "-5" "context" $) | nindent 4 }}
*/}}
{{- define "avion-common.migrations.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}

{{/*
The Job's service account.
Usage:
{{ include "avion-common.migrations.serviceAccount" (dict "context" $) }}
*/}}
{{- define "avion-common.migrations.serviceAccount" -}}
{{- $ctx := .context -}}
{{- if $ctx.Values.migrations.enabled -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "avion-common.names.component" (dict "component" "migrate" "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "migrate" "context" $ctx) | nindent 4 }}
  annotations:
    {{- include "avion-common.migrations.hookAnnotations" (dict "weight" "-10" "context" $ctx) | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}
{{- end -}}

{{/*
The migration Job.
Usage:
{{ include "avion-common.migrations.job" (dict "context" $) }}
*/}}
{{- define "avion-common.migrations.job" -}}
{{- $ctx := .context -}}
{{- $v := $ctx.Values -}}
{{- if $v.migrations.enabled -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "avion-common.names.component" (dict "component" "migrate" "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "migrate" "context" $ctx) | nindent 4 }}
  annotations:
    {{- include "avion-common.migrations.hookAnnotations" (dict "weight" "-5" "context" $ctx) | nindent 4 }}
spec:
  backoffLimit: {{ $v.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ $v.migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "avion-common.labels.standard" (dict "component" "migrate" "context" $ctx) | nindent 8 }}
    spec:
      restartPolicy: Never
      serviceAccountName: {{ include "avion-common.names.component" (dict "component" "migrate" "context" $ctx) }}
      automountServiceAccountToken: false
      securityContext:
        {{- include "avion-common.pod.securityContext" (dict "context" $ctx) | nindent 8 }}
      containers:
        - name: migrate
          image: {{ include "avion-common.pod.image" (dict "context" $ctx) }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          command:
            {{- toYaml $v.migrations.command | nindent 12 }}
          env:
            {{- include "avion-common.pod.env" (dict "context" $ctx) | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "avion-common.pod.containerSecurityContext" (dict "context" $ctx) | nindent 12 }}
          volumeMounts:
            {{- include "avion-common.pod.volumeMounts" (dict "context" $ctx) | nindent 12 }}
      volumes:
        {{- include "avion-common.pod.volumes" (dict "context" $ctx) | nindent 8 }}
{{- end -}}
{{- end -}}
