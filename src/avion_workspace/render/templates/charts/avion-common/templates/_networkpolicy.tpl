{{/*
NetworkPolicies. The namespace denies everything by default (the cluster chart's policy with an
empty podSelector); these allow exactly what config says a service needs:
ingress controller -> http, Prometheus -> http (/metrics), Avion services -> grpc;
egress to DNS, to the service's own datastores, and to other services' grpc.
*/}}

{{/*
One egress/ingress peer: pods in this namespace by labels, or an IP block.
Usage:
{{ include "avion-common.networkPolicy.peer" (dict "peer" $datastore "context" $) | nindent 8 }}
*/}}
{{- define "avion-common.networkPolicy.peer" -}}
{{- if .peer.ipBlock -}}
- ipBlock:
    {{- toYaml .peer.ipBlock | nindent 4 }}
{{- else if .peer.namespace -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .peer.namespace }}
  podSelector:
    matchLabels:
      {{- toYaml .peer.podLabels | nindent 6 }}
{{- else -}}
- podSelector:
    matchLabels:
      {{- toYaml .peer.podLabels | nindent 6 }}
{{- end -}}
{{- end -}}

{{/*
Egress rules to a list of datastores, each on its ports.
Usage:
{{ include "avion-common.networkPolicy.datastoreEgress" (dict "datastores" $list "context" $) | nindent 4 }}
*/}}
{{- define "avion-common.networkPolicy.datastoreEgress" -}}
{{- range .datastores }}
- to:
    {{- include "avion-common.networkPolicy.peer" (dict "peer" . "context" $.context) | nindent 4 }}
  ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end -}}

{{/*
DNS egress to the cluster resolver, UDP and TCP.
Usage:
{{ include "avion-common.networkPolicy.dnsEgress" (dict "context" $) | nindent 4 }}
*/}}
{{- define "avion-common.networkPolicy.dnsEgress" -}}
{{- $dns := .context.Values.networkPolicy.dns -}}
- to:
    {{- include "avion-common.networkPolicy.peer" (dict "peer" $dns "context" .context) | nindent 4 }}
  ports:
    - port: {{ $dns.port }}
      protocol: UDP
    - port: {{ $dns.port }}
      protocol: TCP
{{- end -}}

{{/*
The service's policy.
Usage:
{{ include "avion-common.networkPolicy" (dict "context" $) }}
*/}}
{{- define "avion-common.networkPolicy" -}}
{{- $ctx := .context -}}
{{- $np := $ctx.Values.networkPolicy -}}
{{- if $np.enabled -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - from:
        {{- include "avion-common.networkPolicy.peer" (dict "peer" $np.ingressController "context" $ctx) | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    - from:
        {{- include "avion-common.networkPolicy.peer" (dict "peer" $np.prometheus "context" $ctx) | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    - from:
        {{- include "avion-common.networkPolicy.peer" (dict "peer" $np.peers "context" $ctx) | nindent 8 }}
      ports:
        - port: grpc
          protocol: TCP
  egress:
    {{- include "avion-common.networkPolicy.dnsEgress" (dict "context" $ctx) | nindent 4 }}
    - to:
        {{- include "avion-common.networkPolicy.peer" (dict "peer" $np.peers "context" $ctx) | nindent 8 }}
      ports:
        - port: {{ $ctx.Values.ports.grpc }}
          protocol: TCP
    {{- include "avion-common.networkPolicy.datastoreEgress" (dict "datastores" $np.datastores "context" $ctx) | trim | nindent 4 }}
{{- end -}}
{{- end -}}

{{/*
The migration Job's policy, created as a hook before the Job: DNS and the database only.
Usage:
{{ include "avion-common.networkPolicy.migrations" (dict "context" $) }}
*/}}
{{- define "avion-common.networkPolicy.migrations" -}}
{{- $ctx := .context -}}
{{- $np := $ctx.Values.networkPolicy -}}
{{- if and $np.enabled $ctx.Values.migrations.enabled -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "avion-common.names.component" (dict "component" "migrate" "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "migrate" "context" $ctx) | nindent 4 }}
  annotations:
    {{- include "avion-common.migrations.hookAnnotations" (dict "weight" "-10" "context" $ctx) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "avion-common.labels.matchLabels" (dict "component" "migrate" "context" $ctx) | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  egress:
    {{- include "avion-common.networkPolicy.dnsEgress" (dict "context" $ctx) | nindent 4 }}
    {{- $db := list -}}
    {{- range $np.datastores }}{{ if .migrations }}{{ $db = append $db . }}{{ end }}{{ end }}
    {{- include "avion-common.networkPolicy.datastoreEgress" (dict "datastores" $db "context" $ctx) | trim | nindent 4 }}
{{- end -}}
{{- end -}}
