// `kmaint api-resources`: the resource types the server serves, from discovery, in kubectl's columns.

import type { Command } from 'commander';
import { Discovery, type ApiResource } from '../kube/discovery.ts';
import { toJson, toYaml } from '../render/output.ts';
import { formatTable } from '../render/table.ts';
import { kubeClientFor, outputFormat } from './context.ts';

function apiVersion(r: ApiResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** kubectl's order: by group (core first), then by name. */
export function sortResources(resources: ApiResource[]): ApiResource[] {
  return [...resources].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}

export function renderApiResources(resources: ApiResource[], format: string, options: { noHeaders?: boolean } = {}): string {
  const sorted = sortResources(resources);
  switch (format) {
    case 'name':
      return sorted.map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource) + '\n').join('');
    case 'json':
    case 'yaml': {
      const list = {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: '',
        resources: sorted.map((r) => ({
          name: r.resource,
          singularName: r.singular,
          namespaced: r.namespaced,
          group: r.group,
          version: r.version,
          kind: r.kind,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
        })),
      };
      return format === 'json' ? toJson(list) : toYaml(list);
    }
    default: {
      const wide = format === 'wide';
      const headers = ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])];
      const rows = sorted.map((r) => [
        r.resource,
        r.shortNames.join(','),
        apiVersion(r),
        String(r.namespaced),
        r.kind,
        ...(wide ? [r.verbs.join(','), r.categories.join(',')] : []),
      ]);
      return formatTable(headers, rows, { noHeaders: options.noHeaders });
    }
  }
}

export function registerApiResources(program: Command): void {
  program
    .command('api-resources')
    .description('print the resource types the server serves')
    .option('-o, --output <format>', 'wide, name, json or yaml (default: table)')
    .option('--api-group <group>', 'only this API group ("" for the core group)')
    .option('--namespaced <bool>', 'only namespaced (true) or cluster-scoped (false) resources')
    .option('--no-headers', 'omit the header row')
    .action(async (options: { output?: string; apiGroup?: string; namespaced?: string; headers: boolean }, command: Command) => {
      const format = outputFormat(options.output, ['table', 'wide', 'name', 'json', 'yaml']);
      const client = await kubeClientFor(command);
      try {
        let resources = await new Discovery(client).preferredResources();
        if (options.apiGroup !== undefined) resources = resources.filter((r) => r.group === options.apiGroup);
        if (options.namespaced !== undefined) resources = resources.filter((r) => String(r.namespaced) === String(options.namespaced).toLowerCase());
        process.stdout.write(renderApiResources(resources, format, { noHeaders: !options.headers }));
      } finally {
        client.close();
      }
    });
}
