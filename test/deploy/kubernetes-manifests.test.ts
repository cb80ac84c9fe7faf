import t from 'tap'
import { join } from 'node:path'
import { parse } from 'yaml'
import { packageRoot } from '../../src/paths.js'
import { find, kustomize, matches, validateObject, type K8sObject } from '../helpers/kustomize.js'

const overlay = join(packageRoot, 'deploy', 'kubernetes', 'overlays', 'example')
const { objects } = kustomize(overlay)
const deployment = find(objects, 'Deployment', 'switchyard')
const podSpec = deployment.spec.template.spec
const gateway = podSpec.containers.find((c: any) => c.name === 'gateway')

t.test('kubectl kustomize renders the example overlay with every expected object', async (t) => {
  const kinds = objects.map((o) => o.kind).sort()
  for (const kind of ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'Namespace', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor']) {
    t.ok(kinds.includes(kind), `renders a ${kind}`)
  }
  t.notOk(kinds.includes('Secret'), 'no Secret is committed: the Deployment only references one')
  for (const o of objects.filter((o) => o.kind !== 'Namespace')) t.equal(o.metadata.namespace, 'switchyard', `${o.kind}/${o.metadata.name} is in the overlay namespace`)
  t.equal(deployment.spec.replicas, 3, 'overlay patches replicas')
  t.equal(find(objects, 'HorizontalPodAutoscaler').spec.minReplicas, 3, 'overlay raises the HPA floor to match')
  t.equal(gateway.image, 'registry.example.com/platform/switchyard:0.1.0', 'overlay patches the image')
  t.equal(find(objects, 'Job').spec.template.spec.containers[0].image, gateway.image, 'the migration Job runs the same image')
})

t.test('every rendered object validates against its Kubernetes schema', async (t) => {
  for (const o of objects) t.equal(await validateObject(o), null, `${o.apiVersion} ${o.kind}/${o.metadata.name} validates`)
  // The validator does reject bad objects (so the assertions above can fail).
  const broken: K8sObject = { ...deployment, spec: { ...deployment.spec, replicas: 'three' } }
  t.match(await validateObject(broken), /replicas must be integer/, 'a wrong type is reported')
  const sm = find(objects, 'ServiceMonitor')
  t.match(await validateObject({ ...sm, spec: { ...sm.spec, endpoints: [{ port: 8080 }] } }), /port must be string/, 'ServiceMonitor is schema-checked too')
})

t.test('Service, ServiceMonitor, HPA and PDB point at the gateway pods and port', async (t) => {
  const podLabels = deployment.spec.template.metadata.labels
  const service = find(objects, 'Service', 'switchyard')
  t.ok(matches(deployment.spec.selector.matchLabels, podLabels), 'Deployment selector matches its pods')
  t.ok(matches(service.spec.selector, podLabels), 'Service selects the gateway pods')
  t.notOk(matches(service.spec.selector, find(objects, 'Job').spec.template.metadata.labels), 'Service does not select migration pods')
  const portNames = gateway.ports.map((p: any) => p.name)
  for (const p of service.spec.ports) t.ok(portNames.includes(p.targetPort), `Service port ${p.name} targets container port ${p.targetPort}`)

  const sm = find(objects, 'ServiceMonitor')
  t.ok(matches(sm.spec.selector.matchLabels, service.metadata.labels), 'ServiceMonitor selects the Service')
  t.equal(sm.metadata.namespace, service.metadata.namespace)
  for (const e of sm.spec.endpoints) {
    t.ok(service.spec.ports.some((p: any) => p.name === e.port), `ServiceMonitor endpoint port ${e.port} is a Service port`)
    t.equal(e.path, '/metrics')
  }

  const hpa = find(objects, 'HorizontalPodAutoscaler')
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name }, 'HPA scales the Deployment')
  t.ok(gateway.resources.requests.cpu, 'CPU request set (the HPA utilization target needs it)')
  t.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas)

  const pdb = find(objects, 'PodDisruptionBudget')
  t.ok(matches(pdb.spec.selector.matchLabels, podLabels), 'PDB covers the gateway pods')
  t.ok(pdb.spec.maxUnavailable >= 1 || pdb.spec.minAvailable < deployment.spec.replicas, 'PDB still lets a node drain')
  t.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'rolling updates never drop below the replica count')
})

t.test('secrets come from Secret references only', async (t) => {
  const cm = find(objects, 'ConfigMap', 'switchyard-config')
  const cfg = parse(cm.data['gateway.yaml'])
  const env = new Map<string, any>(gateway.env.map((e: any) => [e.name, e]))
  const secretVars = ['SWITCHYARD_ADMIN_TOKEN', 'DATABASE_URL', 'REDIS_URL', ...Object.values<any>(cfg.providers).flatMap((p) => (p.api_key_env ? [p.api_key_env] : []))]
  t.ok(secretVars.includes('OPENAI_API_KEY'))
  for (const name of secretVars) {
    const e = env.get(name)
    t.ok(e?.valueFrom?.secretKeyRef?.name, `${name} is a secretKeyRef`)
    t.equal(e?.value, undefined, `${name} has no literal value`)
  }
  const job = find(objects, 'Job').spec.template.spec.containers[0]
  const jobDb = job.env.find((e: any) => e.name === 'DATABASE_URL')
  t.same(jobDb.valueFrom, env.get('DATABASE_URL').valueFrom, 'migration Job reads the same DATABASE_URL')
  t.same(job.args, ['switchyard', 'migrate'], 'migration Job runs `switchyard migrate`')
  t.equal(find(objects, 'Job').spec.template.spec.restartPolicy, 'Never')
})

t.test('pods run as non-root with a read-only root filesystem', async (t) => {
  for (const spec of [podSpec, find(objects, 'Job').spec.template.spec]) {
    t.equal(spec.securityContext.runAsNonRoot, true)
    t.not(spec.securityContext.runAsUser, 0)
    for (const c of spec.containers) {
      t.equal(c.securityContext.allowPrivilegeEscalation, false, `${c.name}: no privilege escalation`)
      t.equal(c.securityContext.readOnlyRootFilesystem, true, `${c.name}: read-only root filesystem`)
      t.same(c.securityContext.capabilities.drop, ['ALL'])
    }
  }
})
