import { spawnSync } from 'node:child_process'
import { parseAllDocuments } from 'yaml'

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [field: string]: any
}

/** `kubectl kustomize DIR`, parsed. Throws with kubectl's stderr when it fails. */
export function kustomize(dir: string): { objects: K8sObject[]; text: string } {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })
  if (run.error) throw new Error(`kubectl not runnable (install Debian's kubectl): ${run.error.message}`)
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr}`)
  const objects = parseAllDocuments(run.stdout).map((d) => d.toJS() as K8sObject).filter(Boolean)
  return { objects, text: run.stdout }
}

/** The model module for an apiVersion: kubernetes-models for the core groups, prometheus-operator for its CRDs. */
function modelModule(apiVersion: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}`
  return `kubernetes-models/${apiVersion}`
}

type Model = new (data: unknown) => { validate(): void }

/** Validates an object against its Kubernetes JSON schema (kubernetes-models); returns the error or null. */
export async function validateObject(obj: K8sObject): Promise<string | null> {
  const mod = (await import(modelModule(obj.apiVersion))) as Record<string, Model | undefined>
  const Ctor = mod[obj.kind]
  if (!Ctor) return `no model for ${obj.apiVersion} ${obj.kind}`
  try {
    new Ctor(obj).validate()
    return null
  } catch (err) {
    return (err as Error).message
  }
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in the rendered manifests`)
  return found
}

export const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v)
