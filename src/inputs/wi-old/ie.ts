// Information elements the decoder knows by name and type: IANA's IPFIX registry (the ones NAT devices and
// flow exporters use), NetFlow v9 field types (RFC 3954: the same numbers below 128; Cisco's NSEL numbers for
// the ASA), RFC 5103 reverse elements (enterprise 29305) and Nokia's (enterprise 637).
// Anything else is still decoded and rendered, as e<enterprise>.<id>=<hex>.
//
// Sources: IANA "IP Flow Information Export (IPFIX) Entities" registry; RFC 8158 §4 (NAT elements);
// Cisco "ASA NetFlow Implementation Guide" (NSEL: NF_F_* numbers); Nokia 7750 SR "Multiservice ISA and ESA
// Guide", IPFIX template formats (aluInsideServiceID 637.91, aluOutsideServiceID 637.92, aluNatSubString 637.93).

/** Abstract data types (RFC 7012 §3.1), reduced to what decoding and rendering need. */
export const TY = {
  /** unsigned8..unsigned64 (reduced-size encoding allowed) */
  U: 0,
  IPV4: 1,
  IPV6: 2,
  MAC: 3,
  STR: 4,
  OCT: 5,
  /** dateTimeSeconds: unsigned32 seconds since the epoch */
  SEC: 6,
  /** dateTimeMilliseconds: unsigned64 ms since the epoch */
  MS: 7,
  /** dateTimeMicroseconds: NTP format (seconds since 1900, 32-bit fraction) */
  US: 8,
  /** dateTimeNanoseconds: NTP format */
  NS: 9,
  FLOAT: 10,
  /** signed integers */
  I: 11,
  BOOL: 12,
} as const;
export type Ty = (typeof TY)[keyof typeof TY];

export interface IeInfo {
  name: string;
  type: Ty;
}

const { U, IPV4, IPV6, MAC, STR, OCT, SEC, MS, US, NS, FLOAT, I, BOOL } = TY;

/** IANA elements (enterprise 0), by id. */
const IANA: Record<number, [string, Ty]> = {
  1: ['octetDeltaCount', U],
  2: ['packetDeltaCount', U],
  3: ['deltaFlowCount', U],
  4: ['protocolIdentifier', U],
  5: ['ipClassOfService', U],
  6: ['tcpControlBits', U],
  7: ['sourceTransportPort', U],
  8: ['sourceIPv4Address', IPV4],
  9: ['sourceIPv4PrefixLength', U],
  10: ['ingressInterface', U],
  11: ['destinationTransportPort', U],
  12: ['destinationIPv4Address', IPV4],
  13: ['destinationIPv4PrefixLength', U],
  14: ['egressInterface', U],
  15: ['ipNextHopIPv4Address', IPV4],
  16: ['bgpSourceAsNumber', U],
  17: ['bgpDestinationAsNumber', U],
  18: ['bgpNextHopIPv4Address', IPV4],
  19: ['postMCastPacketDeltaCount', U],
  20: ['postMCastOctetDeltaCount', U],
  21: ['flowEndSysUpTime', U],
  22: ['flowStartSysUpTime', U],
  23: ['postOctetDeltaCount', U],
  24: ['postPacketDeltaCount', U],
  25: ['minimumIpTotalLength', U],
  26: ['maximumIpTotalLength', U],
  27: ['sourceIPv6Address', IPV6],
  28: ['destinationIPv6Address', IPV6],
  29: ['sourceIPv6PrefixLength', U],
  30: ['destinationIPv6PrefixLength', U],
  31: ['flowLabelIPv6', U],
  32: ['icmpTypeCodeIPv4', U],
  33: ['igmpType', U],
  34: ['samplingInterval', U],
  35: ['samplingAlgorithm', U],
  36: ['flowActiveTimeout', U],
  37: ['flowIdleTimeout', U],
  38: ['engineType', U],
  39: ['engineId', U],
  40: ['exportedOctetTotalCount', U],
  41: ['exportedMessageTotalCount', U],
  42: ['exportedFlowRecordTotalCount', U],
  44: ['sourceIPv4Prefix', IPV4],
  45: ['destinationIPv4Prefix', IPV4],
  46: ['mplsTopLabelType', U],
  47: ['mplsTopLabelIPv4Address', IPV4],
  48: ['samplerId', U],
  49: ['samplerMode', U],
  50: ['samplerRandomInterval', U],
  52: ['minimumTTL', U],
  53: ['maximumTTL', U],
  54: ['fragmentIdentification', U],
  55: ['postIpClassOfService', U],
  56: ['sourceMacAddress', MAC],
  57: ['postDestinationMacAddress', MAC],
  58: ['vlanId', U],
  59: ['postVlanId', U],
  60: ['ipVersion', U],
  61: ['flowDirection', U],
  62: ['ipNextHopIPv6Address', IPV6],
  63: ['bgpNextHopIPv6Address', IPV6],
  64: ['ipv6ExtensionHeaders', U],
  80: ['destinationMacAddress', MAC],
  81: ['postSourceMacAddress', MAC],
  82: ['interfaceName', STR],
  83: ['interfaceDescription', STR],
  85: ['octetTotalCount', U],
  86: ['packetTotalCount', U],
  88: ['fragmentOffset', U],
  89: ['forwardingStatus', U],
  95: ['applicationId', OCT],
  96: ['applicationName', STR],
  130: ['exporterIPv4Address', IPV4],
  131: ['exporterIPv6Address', IPV6],
  132: ['droppedOctetDeltaCount', U],
  133: ['droppedPacketDeltaCount', U],
  136: ['flowEndReason', U],
  137: ['commonPropertiesId', U],
  138: ['observationPointId', U],
  139: ['icmpTypeCodeIPv6', U],
  141: ['lineCardId', U],
  142: ['portId', U],
  143: ['meteringProcessId', U],
  144: ['exportingProcessId', U],
  145: ['templateId', U],
  148: ['flowId', U],
  149: ['observationDomainId', U],
  150: ['flowStartSeconds', SEC],
  151: ['flowEndSeconds', SEC],
  152: ['flowStartMilliseconds', MS],
  153: ['flowEndMilliseconds', MS],
  154: ['flowStartMicroseconds', US],
  155: ['flowEndMicroseconds', US],
  156: ['flowStartNanoseconds', NS],
  157: ['flowEndNanoseconds', NS],
  158: ['flowStartDeltaMicroseconds', U],
  159: ['flowEndDeltaMicroseconds', U],
  160: ['systemInitTimeMilliseconds', MS],
  161: ['flowDurationMilliseconds', U],
  162: ['flowDurationMicroseconds', U],
  163: ['observedFlowTotalCount', U],
  164: ['ignoredPacketTotalCount', U],
  165: ['ignoredOctetTotalCount', U],
  166: ['notSentFlowTotalCount', U],
  167: ['notSentPacketTotalCount', U],
  168: ['notSentOctetTotalCount', U],
  176: ['icmpTypeIPv4', U],
  177: ['icmpCodeIPv4', U],
  178: ['icmpTypeIPv6', U],
  179: ['icmpCodeIPv6', U],
  180: ['udpSourcePort', U],
  181: ['udpDestinationPort', U],
  182: ['tcpSourcePort', U],
  183: ['tcpDestinationPort', U],
  184: ['tcpSequenceNumber', U],
  185: ['tcpAcknowledgementNumber', U],
  186: ['tcpWindowSize', U],
  189: ['ipHeaderLength', U],
  190: ['totalLengthIPv4', U],
  192: ['ipTTL', U],
  193: ['nextHeaderIPv6', U],
  195: ['ipDiffServCodePoint', U],
  205: ['udpMessageLength', U],
  206: ['isMulticast', U],
  210: ['paddingOctets', OCT],
  211: ['collectorIPv4Address', IPV4],
  212: ['collectorIPv6Address', IPV6],
  213: ['exportInterface', U],
  214: ['exportProtocolVersion', U],
  215: ['exportTransportProtocol', U],
  216: ['collectorTransportPort', U],
  217: ['exporterTransportPort', U],
  224: ['ipTotalLength', U],
  225: ['postNATSourceIPv4Address', IPV4],
  226: ['postNATDestinationIPv4Address', IPV4],
  227: ['postNAPTSourceTransportPort', U],
  228: ['postNAPTDestinationTransportPort', U],
  229: ['natOriginatingAddressRealm', U],
  230: ['natEvent', U],
  231: ['initiatorOctets', U],
  232: ['responderOctets', U],
  233: ['firewallEvent', U],
  234: ['ingressVRFID', U],
  235: ['egressVRFID', U],
  236: ['VRFname', STR],
  239: ['biflowDirection', U],
  256: ['ethernetType', U],
  281: ['postNATSourceIPv6Address', IPV6],
  282: ['postNATDestinationIPv6Address', IPV6],
  283: ['natPoolId', U],
  284: ['natPoolName', STR],
  298: ['initiatorPackets', U],
  299: ['responderPackets', U],
  300: ['observationDomainName', STR],
  302: ['selectorId', U],
  303: ['informationElementId', U],
  304: ['selectorAlgorithm', U],
  305: ['samplingPacketInterval', U],
  306: ['samplingPacketSpace', U],
  322: ['observationTimeSeconds', SEC],
  323: ['observationTimeMilliseconds', MS],
  324: ['observationTimeMicroseconds', US],
  325: ['observationTimeNanoseconds', NS],
  361: ['portRangeStart', U],
  362: ['portRangeEnd', U],
  363: ['portRangeStepSize', U],
  364: ['portRangeNumPorts', U],
  458: ['sourceTransportPortsLimit', U],
  463: ['natInstanceID', U],
  464: ['internalAddressRealm', OCT],
  465: ['externalAddressRealm', OCT],
  466: ['natQuotaExceededEvent', U],
  467: ['natThresholdEvent', U],
  471: ['maxSessionEntries', U],
  472: ['maxBIBEntries', U],
  473: ['maxEntriesPerUser', U],
  474: ['maxSubscribers', U],
  475: ['maxFragmentsPendingReassembly', U],
  476: ['addressPoolHighThreshold', U],
  477: ['addressPoolLowThreshold', U],
  478: ['addressPortMappingHighThreshold', U],
  479: ['addressPortMappingLowThreshold', U],
  480: ['addressPortMappingPerUserHighThreshold', U],
  481: ['globalAddressMappingHighThreshold', U],
};

/**
 * NetFlow v9 field types above IANA's 1-127 common range that mean something else in v9 or exist only there:
 * Cisco NSEL (ASA) numbers. Below 32768 the v9 numbers Cisco uses for NSEL/NEL agree with IANA's
 * (225-228 NF_F_XLATE_*, 233 NF_F_FW_EVENT, 323 NF_F_EVENT_TIME_MSEC, 361-364 port blocks, 148 NF_F_CONN_ID).
 */
const NFV9_ONLY: Record<number, [string, Ty]> = {
  33000: ['NF_F_INGRESS_ACL_ID', OCT],
  33001: ['NF_F_EGRESS_ACL_ID', OCT],
  33002: ['NF_F_FW_EXT_EVENT', U],
  40000: ['NF_F_USERNAME', STR],
  40001: ['NF_F_XLATE_SRC_ADDR_84', IPV4],
  40002: ['NF_F_XLATE_DST_ADDR_84', IPV4],
  40003: ['NF_F_XLATE_SRC_PORT_84', U],
  40004: ['NF_F_XLATE_DST_PORT_84', U],
  40005: ['NF_F_FW_EVENT_84', U],
};

/** Nokia (enterprise 637). */
const NOKIA: Record<number, [string, Ty]> = {
  91: ['aluInsideServiceID', U],
  92: ['aluOutsideServiceID', U],
  93: ['aluNatSubString', STR],
};

export const ENT_REVERSE = 29305;
export const ENT_NOKIA = 637;

const cache = new Map<number, IeInfo | null>();

/**
 * Name and type of an element. `ent` is the enterprise number (0 = IANA; NetFlow v9 fields pass 0 with `v9`).
 * Unknown elements give undefined.
 */
export function ieInfo(ent: number, id: number, v9 = false): IeInfo | undefined {
  const key = (v9 ? 2 ** 48 : 0) + ent * 65536 + id;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let e: [string, Ty] | undefined;
  if (ent === 0) e = v9 && id >= 32768 ? NFV9_ONLY[id] : IANA[id];
  else if (ent === ENT_NOKIA) e = NOKIA[id];
  else if (ent === ENT_REVERSE) {
    // RFC 5103: the reverse of IANA element n is 29305.n, named "reverse" + Name.
    const f = IANA[id];
    if (f) e = [`reverse${f[0][0]!.toUpperCase()}${f[0].slice(1)}`, f[1]];
  }
  const info = e ? { name: e[0], type: e[1] } : null;
  cache.set(key, info);
  return info ?? undefined;
}

/** The token name an element is rendered under: its name, or e<ent>.<id> when unknown. */
export function tokenName(ent: number, id: number, v9 = false): string {
  return ieInfo(ent, id, v9)?.name ?? `e${ent}.${id}`;
}

/** Reverse lookup for the text parser: token name → [ent, id, type, v9only]. */
let byName: Map<string, { ent: number; id: number; type: Ty; v9: boolean }> | undefined;
export function ieByName(name: string): { ent: number; id: number; type: Ty; v9: boolean } | undefined {
  if (!byName) {
    byName = new Map();
    for (const [id, [n, t]] of Object.entries(IANA)) byName.set(n, { ent: 0, id: +id, type: t, v9: false });
    for (const [id, [n, t]] of Object.entries(NFV9_ONLY)) byName.set(n, { ent: 0, id: +id, type: t, v9: true });
    for (const [id, [n, t]] of Object.entries(NOKIA)) byName.set(n, { ent: ENT_NOKIA, id: +id, type: t, v9: false });
    for (const [id, [n, t]] of Object.entries(IANA)) {
      byName.set(`reverse${n[0]!.toUpperCase()}${n.slice(1)}`, { ent: ENT_REVERSE, id: +id, type: t, v9: false });
    }
  }
  return byName.get(name);
}

/** Fixed sizes an element of a type may be encoded with (reduced-size encoding only for integers). */
export function lengthFits(type: Ty, len: number): boolean {
  switch (type) {
    case U:
    case I:
      return len >= 1 && len <= 8;
    case IPV4:
      return len === 4;
    case IPV6:
      return len === 16;
    case MAC:
      return len === 6;
    case SEC:
      return len === 4;
    case MS:
      return len === 8;
    case US:
    case NS:
      return len === 8;
    case FLOAT:
      return len === 4 || len === 8;
    case BOOL:
      return len === 1;
    default:
      return true; // STR, OCT: any length, variable allowed
  }
}
