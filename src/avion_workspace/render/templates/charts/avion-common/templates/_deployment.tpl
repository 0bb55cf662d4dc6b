{{/*
The service's Deployment: HTTP and gRPC ports, the three probes, resources, the restricted
security contexts, and zone spreading when enabled.
*/}}

{{/*
Usage:
{{ include "avion-common.deployment" (dict "context" $) }}
*/}}
{{- define "avion-common.deployment" -}}
{{- $ctx := .context -}}
{{- $v := $ctx.Values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "avion-common.names.fullname" (dict "context" $ctx) }}
  namespace: {{ include "avion-common.names.namespace" (dict "context" $ctx) }}
  labels:
    {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "avion-common.labels.standard" (dict "component" "server" "context" $ctx) | nindent 8 }}
    spec:
      serviceAccountName: {{ include "avion-common.names.serviceAccount" (dict "context" $ctx) }}
      automountServiceAccountToken: {{ $v.serviceAccount.automountToken }}
      securityContext:
        {{- include "avion-common.pod.securityContext" (dict "context" $ctx) | nindent 8 }}
      {{- if $v.topologySpread.enabled }}
      topologySpreadConstraints:
        - topologyKey: {{ $v.topologySpread.topologyKey }}
          maxSkew: {{ $v.topologySpread.maxSkew }}
          whenUnsatisfiable: {{ $v.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 14 }}
        - topologyKey: kubernetes.io/hostname
          maxSkew: 1
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "avion-common.labels.matchLabels" (dict "component" "server" "context" $ctx) | nindent 14 }}
      {{- end }}
      containers:
        - name: {{ include "avion-common.names.name" (dict "context" $ctx) }}
          image: {{ include "avion-common.pod.image" (dict "context" $ctx) }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $v.ports.http }}
              protocol: TCP
            - name: grpc
              containerPort: {{ $v.ports.grpc }}
              protocol: TCP
          env:
            {{- include "avion-common.pod.env" (dict "context" $ctx) | nindent 12 }}
          readinessProbe:
            {{- include "avion-common.pod.httpProbe" (dict "probe" $v.probes.readiness "context" $ctx) | nindent 12 }}
          livenessProbe:
            {{- include "avion-common.pod.httpProbe" (dict "probe" $v.probes.liveness "context" $ctx) | nindent 12 }}
          startupProbe:
            {{- include "avion-common.pod.httpProbe" (dict "probe" $v.probes.startup "context" $ctx) | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "avion-common.pod.containerSecurityContext" (dict "context" $ctx) | nindent 12 }}
          volumeMounts:
            {{- include "avion-common.pod.volumeMounts" (dict "context" $ctx) | nindent 12 }}
      volumes:
        {{- include "avion-common.pod.volumes" (dict "context" $ctx) | nindent 8 }}
{{- end -}}
