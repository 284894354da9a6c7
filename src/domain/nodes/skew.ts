// The kubelet/API server version skew policy (kubernetes.io/releases/version-skew-policy): a kubelet may be
// up to three minor versions older than the API server (since v1.28; two before), never newer, and never of
// another major version.

export const MAX_KUBELET_MINORS_BEHIND = 3;

export interface MinorVersion {
  major: number;
  minor: number;
}

export type SkewVerdict = 'same' | 'older' | 'too-old' | 'newer' | 'unknown';

export interface KubeletSkew {
  verdict: SkewVerdict;
  /** API server minor minus kubelet minor (negative when the kubelet is newer); absent when unknown */
  minorsBehind?: number;
  supported: boolean;
  /** one line for the operator, empty when the versions match */
  message: string;
}

/** "v1.27.0", "1.27", "v1.28.3-eks-1234", "v1.29.0+k3s1" -> {1, 27}; undefined when there is no major.minor. */
export function parseMinorVersion(text: string | undefined | null): MinorVersion | undefined {
  const match = /^v?(\d+)\.(\d+)(?:[.+-]|$)/.exec((text ?? '').trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * The API server's version from GET /version: major/minor (which managed clusters suffix, "28+"), else its
 * gitVersion.
 */
export function serverMinorVersion(version: { major?: string; minor?: string; gitVersion?: string } | undefined): MinorVersion | undefined {
  if (!version) return undefined;
  const major = Number.parseInt(version.major ?? '', 10);
  const minor = Number.parseInt(version.minor ?? '', 10);
  if (Number.isInteger(major) && Number.isInteger(minor)) return { major, minor };
  return parseMinorVersion(version.gitVersion);
}

function show(version: MinorVersion): string {
  return `v${version.major}.${version.minor}`;
}

/** Whether a kubelet of this version is supported against this API server. */
export function kubeletSkew(kubeletVersion: string | undefined, server: MinorVersion | undefined): KubeletSkew {
  const kubelet = parseMinorVersion(kubeletVersion);
  if (!kubelet || !server) {
    const what = !kubelet ? `kubelet version "${kubeletVersion ?? ''}"` : 'API server version';
    return { verdict: 'unknown', supported: true, message: `skew not checked: unreadable ${what}` };
  }
  if (kubelet.major !== server.major) {
    return {
      verdict: kubelet.major < server.major ? 'too-old' : 'newer',
      supported: false,
      message: `kubelet ${show(kubelet)} and API server ${show(server)} differ in major version`,
    };
  }
  const behind = server.minor - kubelet.minor;
  if (behind === 0) return { verdict: 'same', minorsBehind: 0, supported: true, message: '' };
  if (behind < 0) {
    return {
      verdict: 'newer',
      minorsBehind: behind,
      supported: false,
      message: `kubelet ${show(kubelet)} is newer than the API server ${show(server)}: a kubelet may never be newer; upgrade the control plane first`,
    };
  }
  if (behind > MAX_KUBELET_MINORS_BEHIND) {
    return {
      verdict: 'too-old',
      minorsBehind: behind,
      supported: false,
      message: `kubelet ${show(kubelet)} is ${behind} minor versions behind the API server ${show(server)} (at most ${MAX_KUBELET_MINORS_BEHIND} supported): upgrade the kubelet to v${server.major}.${server.minor - MAX_KUBELET_MINORS_BEHIND} or newer`,
    };
  }
  return { verdict: 'older', minorsBehind: behind, supported: true, message: `kubelet ${show(kubelet)} is ${behind} minor version${behind === 1 ? '' : 's'} behind the API server ${show(server)} (supported)` };
}
