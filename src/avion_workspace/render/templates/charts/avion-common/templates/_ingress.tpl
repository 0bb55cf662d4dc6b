{{/*
The Ingress routing the service's host to its http port through the ingress controller.
*/}}

{{/*
Usage:
{{ include "avion-common.ingress" (dict "context" $) }}
*/}}
{{- define "avion-common.ingress" -}}
{{- $ctx := .context -}}
{{- $i := $ctx.Values.ingress -}}
{{- if $i.enabled -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
spec:
  ingressClassName: {{ $i.className }}
  {{- if $i.tlsSecretName }}
  tls:
    - hosts:
        - {{ $i.host }}
      secretName: {{ $i.tlsSecretName }}
  {{- end }}
  rules:
    - host: {{ $i.host }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
                port:
                  name: http
{{- end -}}
{{- end -}}
