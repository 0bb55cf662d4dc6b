{{/*
Pod pieces shared by the Deployment and the migration Job, meeting the Pod Security
"restricted" profile: non-root, RuntimeDefault seccomp, no privilege escalation, read-only root
filesystem with a writable emptyDir at /tmp, every capability dropped.
*/}}

{{/*
The container image: "<repository>:<tag>", the tag defaulting to the chart's appVersion.
Usage:
{{ include "avion-common.pod.image" (dict "context" $) }}
*/}}
{{- define "avion-common.pod.image" -}}
{{- $image := .context.Values.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .context.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The pod-level security context.
Usage:
{{ include "avion-common.pod.securityContext" (dict "context" $) | nindent 6 }}
*/}}
{{- define "avion-common.pod.securityContext" -}}
{{- toYaml .context.Values.podSecurityContext -}}
{{- end -}}

{{/*
The container-level security context.
Usage:
{{ include "avion-common.pod.containerSecurityContext" (dict "context" $) | nindent 10 }}
*/}}
{{- define "avion-common.pod.containerSecurityContext" -}}
{{- toYaml .context.Values.containerSecurityContext -}}
{{- end -}}

{{/*
Environment variables: the plain settings from values, in order.
Usage:
{{ include "avion-common.pod.env" (dict "context" $) | nindent 10 }}
*/}}
{{- define "avion-common.pod.env" -}}
{{- toYaml .context.Values.env -}}
{{- end -}}

{{/*
Volume mounts: /tmp (the only writable path) and the credentials as files (never environment
variables), read by the service's settings from <mountPath>/<name>.
Usage:
{{ include "avion-common.pod.volumeMounts" (dict "context" $) | nindent 10 }}
*/}}
{{- define "avion-common.pod.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .context.Values.secrets.keys }}
- name: credentials
  mountPath: {{ .context.Values.secrets.mountPath }}
  readOnly: true
{{- end }}
{{- end -}}

{{/*
Volumes backing the mounts above.
Usage:
{{ include "avion-common.pod.volumes" (dict "context" $) | nindent 6 }}
*/}}
{{- define "avion-common.pod.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .context.Values.tmpVolume.sizeLimit }}
{{- if .context.Values.secrets.keys }}
- name: credentials
  secret:
    secretName: {{ .context.Values.secrets.secretName }}
    defaultMode: 0400
    items:
    {{- range .context.Values.secrets.keys }}
      - key: {{ . }}
        path: {{ . }}
    {{- end }}
{{- end }}
{{- end -}}

{{/*
An HTTP probe on the "http" port.
Usage:
{{ include "avion-common.pod.httpProbe" (dict "probe" .Values.probes.readiness "context" $) | nindent 12 }}
*/}}
{{- define "avion-common.pod.httpProbe" -}}
httpGet:
  path: {{ .probe.path }}
  port: http
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
{{- end -}}
