{{/*
Shared pieces of the berth-app chart. values.schema.json has already checked every value's type
and shape; the few cross-field rules JSON Schema cannot express are checked in "berth.validate".
*/}}

{{/* Fails the render on cross-field mistakes. Included once, by every template. */}}
{{- define "berth.validate" -}}
{{- $v := .Values -}}
{{- if and $v.autoscale.enabled (lt (int $v.autoscale.max) (int $v.autoscale.min)) -}}
{{- fail (printf "autoscale.max (%v) must be at least autoscale.min (%v)" $v.autoscale.max $v.autoscale.min) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $k, $_ := $v.env -}}
{{- $_ := set $seen $k "env" -}}
{{- end -}}
{{- range $v.secrets -}}
{{- if hasKey $seen .name -}}
{{- fail (printf "secrets: %s is already set by %s" .name (get $seen .name)) -}}
{{- end -}}
{{- $_ := set $seen .name "secrets" -}}
{{- end -}}
{{- if and $v.database.enabled (hasKey $seen "DATABASE_URL") -}}
{{- fail (printf "DATABASE_URL is set by the database; remove it from %s" (get $seen "DATABASE_URL")) -}}
{{- end -}}
{{- end -}}

{{/* app.kubernetes.io/version: the tag, else the first 12 hex digits of the digest. */}}
{{- define "berth.version" -}}
{{- $v := .Values.image -}}
{{- if $v.tag -}}
{{- $v.tag | trunc 63 | trimAll "-_." | default "unknown" -}}
{{- else -}}
{{- $v.digest | trimPrefix "sha256:" | trunc 12 -}}
{{- end -}}
{{- end -}}

{{/* The labels every object carries, pod templates included. */}}
{{- define "berth.labels" -}}
app.kubernetes.io/name: {{ .Values.name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ include "berth.version" . | quote }}
app.kubernetes.io/component: {{ .Values.blueprint | quote }}
app.kubernetes.io/part-of: {{ .Values.tenant | quote }}
app.kubernetes.io/managed-by: berth
berth.dev/tenant: {{ .Values.tenant | quote }}
berth.dev/environment: {{ .Values.environment | quote }}
berth.dev/cost-center: {{ .Values.costCenter | quote }}
{{- end -}}

{{/*
The labels of objects an operator creates for us (CloudNativePG pods, PVCs, Services): the
ownership and cost labels only, never app.kubernetes.io/name or instance, so that the
application's Service, PDB and ServiceMonitor selectors can never match database pods.
*/}}
{{- define "berth.ownerLabels" -}}
app.kubernetes.io/part-of: {{ .Values.tenant | quote }}
app.kubernetes.io/managed-by: berth
berth.dev/tenant: {{ .Values.tenant | quote }}
berth.dev/environment: {{ .Values.environment | quote }}
berth.dev/cost-center: {{ .Values.costCenter | quote }}
{{- end -}}

{{/* Pod selector: stable across releases (selectors of a Deployment are immutable). */}}
{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/* The fewest pods the workload runs: autoscale.min with autoscaling, else replicas. */}}
{{- define "berth.minReplicas" -}}
{{- if .Values.autoscale.enabled -}}
{{- .Values.autoscale.min -}}
{{- else -}}
{{- .Values.replicas -}}
{{- end -}}
{{- end -}}

{{/* metadata: name, namespace and labels; `dict "ctx" $ "name" "x"` to override the name. */}}
{{- define "berth.metadata" -}}
name: {{ .name | default .ctx.Values.name | quote }}
namespace: {{ .ctx.Release.Namespace | quote }}
labels:
  {{- include "berth.labels" .ctx | nindent 2 }}
{{- end -}}

{{/* Image reference: by digest when there is one (immutable), else by tag. */}}
{{- define "berth.image" -}}
{{- $i := .Values.image -}}
{{- if $i.digest -}}
{{- printf "%s@%s" $i.repository $i.digest -}}
{{- else -}}
{{- printf "%s:%s" $i.repository $i.tag -}}
{{- end -}}
{{- end -}}

{{/*
CPU limit: twice the request (whole cores when exact, else millicores). A limit at all, because a namespace ResourceQuota on
limits.cpu needs one and one runaway pod must not starve its neighbours on the node; twice the
request, not equal to it, so start-up bursts (JIT, caches) are not throttled to a crawl.
The schema restricts CPU to "<n>m" or a decimal with at most 3 places, so this is exact.
*/}}
{{- define "berth.cpuLimit" -}}
{{- $cpu := toString . -}}
{{- $milli := 0 -}}
{{- if hasSuffix "m" $cpu -}}
{{- $milli = mul (atoi (trimSuffix "m" $cpu)) 2 -}}
{{- else -}}
{{- $milli = int (round (mulf (float64 $cpu) 2000) 0) -}}
{{- end -}}
{{- if eq (mod $milli 1000) 0 -}}
{{- div $milli 1000 -}}
{{- else -}}
{{- printf "%dm" $milli -}}
{{- end -}}
{{- end -}}

{{/* requests and limits from {cpu, memory}. Memory limit = request: memory is not compressible. */}}
{{- define "berth.resources" -}}
requests:
  cpu: {{ .cpu | quote }}
  memory: {{ .memory | quote }}
limits:
  cpu: {{ include "berth.cpuLimit" .cpu | quote }}
  memory: {{ .memory | quote }}
{{- end -}}

{{/*
Workload annotations: the checkov checks this chart deliberately does not meet, as in-manifest
suppressions (checkov.io/skip<N>: <check>=<reason>), each only where it applies and with its
reason. (Graph checks such as CKV2_K8S_6 ignore these; tests/test_chart.py lists those.)
*/}}
{{- define "berth.workloadAnnotations" -}}
berth.dev/blueprint: {{ .Values.blueprint | quote }}
{{- if or .Values.secrets .Values.database.enabled }}
checkov.io/skip1: CKV_K8S_35=Secrets reach the app as env vars via secretKeyRef by product contract (12-factor apps); they come from an ExternalSecret and never sit in Git
{{- end }}
{{- if not .Values.image.digest }}
checkov.io/skip2: CKV_K8S_43=Tags are allowed by the product contract (a digest may be given instead); the pull policy is Always when pulling by tag
{{- end }}
{{- if eq .Values.blueprint "worker" }}
checkov.io/skip3: CKV_K8S_8=A worker serves no port and exec probes are not used; the kubelet restarts it when its process exits
checkov.io/skip4: CKV_K8S_9=A worker serves no port and receives no Service traffic, so there is nothing for a readiness probe to gate
{{- end }}
{{- end -}}

{{/* The pod spec shared by the Deployment and the CronJob's job template. */}}
{{- define "berth.podSpec" -}}
{{- $v := .Values -}}
serviceAccountName: {{ $v.name | quote }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- if eq $v.blueprint "cronjob" }}
restartPolicy: OnFailure
{{- else if gt (include "berth.minReplicas" . | int) 1 }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "berth.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "berth.selectorLabels" . | nindent 8 }}
{{- end }}
containers:
  - name: {{ $v.name | quote }}
    image: {{ include "berth.image" . | quote }}
    # A digest names immutable content, so a node's cached copy is used (no registry round trip
    # on restarts); a tag can be moved, so the kubelet asks the registry on every start, which
    # also re-checks this namespace's pull credentials even when the node has the image cached.
    imagePullPolicy: {{ ternary "IfNotPresent" "Always" (ne $v.image.digest "") }}
    {{- if gt (int $v.port) 0 }}
    ports:
      - name: http
        containerPort: {{ $v.port }}
        protocol: TCP
    {{- end }}
    {{- if or $v.env $v.secrets $v.database.enabled }}
    env:
      {{- range $k := keys $v.env | sortAlpha }}
      - name: {{ $k | quote }}
        value: {{ get $v.env $k | quote }}
      {{- end }}
      {{- range $v.secrets }}
      - name: {{ .name | quote }}
        valueFrom:
          secretKeyRef:
            name: {{ printf "%s-secrets" $v.name | quote }}
            key: {{ .name | quote }}
      {{- end }}
      {{- if $v.database.enabled }}
      - name: DATABASE_URL
        valueFrom:
          secretKeyRef:
            name: {{ printf "%s-db-app" $v.name | quote }}
            key: uri
      {{- end }}
    {{- end }}
    resources:
      {{- include "berth.resources" $v.resources | nindent 6 }}
    {{- if eq $v.blueprint "web-service" }}
    # Startup allows 5 minutes to come up; after that liveness restarts a hung server and
    # readiness takes a pod out of the Service while it cannot serve. A worker has no probes: it
    # serves no port, and exec probes would need a command every image has; its process exiting
    # is what restarts it. A cronjob's run simply succeeds or fails.
    startupProbe:
      httpGet:
        path: {{ $v.healthPath | quote }}
        port: http
      periodSeconds: 5
      timeoutSeconds: 2
      failureThreshold: 60
    livenessProbe:
      httpGet:
        path: {{ $v.healthPath | quote }}
        port: http
      periodSeconds: 10
      timeoutSeconds: 2
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: {{ $v.healthPath | quote }}
        port: http
      periodSeconds: 5
      timeoutSeconds: 2
      failureThreshold: 2
    {{- end }}
    securityContext:
      runAsNonRoot: true
      runAsUser: 10001
      runAsGroup: 10001
      privileged: false
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop:
          - ALL
      seccompProfile:
        type: RuntimeDefault
    volumeMounts:
      - name: tmp
        mountPath: /tmp
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 1Gi
{{- end -}}
