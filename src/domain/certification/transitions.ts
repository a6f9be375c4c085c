// The support-level transitions a client may make, declared once: the rules (changeSupportLevel), the
// mutations' scopes (src/graphql/certification.ts) and the supportLevelTransitions query all read this.
import { SUPPORT_LEVEL_KEYS, type SupportLevelKey } from '../../db/schema.js';
import type { TokenScope } from '../tokens/tokens.js';

export const TRANSITION_MUTATIONS = ['certifyConnector', 'decertifyConnector', 'archiveConnector', 'unarchiveConnector'] as const;
export type TransitionMutation = (typeof TRANSITION_MUTATIONS)[number];

/** Where a transition leads: a level, or back to the level the connector had before it was archived. */
export type TransitionTarget = SupportLevelKey | 'level_before_archiving';

export interface TransitionRule {
  mutation: TransitionMutation;
  /** The levels the connector may be at. */
  from: readonly SupportLevelKey[];
  to: TransitionTarget;
  /** The token scope the mutation needs (an admin token has every scope). */
  scope: TokenScope;
  /** Whether users of the connector must be told (their support changes). */
  notifyUsers: boolean;
  /** The past participle the refusals use: "only community connectors can be certified". */
  verb: string;
  description: string;
}

const NOT_ARCHIVED = SUPPORT_LEVEL_KEYS.filter((level) => level !== 'archived');

export const SUPPORT_LEVEL_TRANSITIONS: Readonly<Record<TransitionMutation, TransitionRule>> = {
  certifyConnector: {
    mutation: 'certifyConnector',
    from: ['community'],
    to: 'certified',
    scope: 'certify',
    notifyUsers: true,
    verb: 'certified',
    description: 'A community connector passed certification: the vendor maintains it and an official SLA becomes available where its policy offers one.',
  },
  decertifyConnector: {
    mutation: 'decertifyConnector',
    from: ['certified'],
    to: 'community',
    scope: 'certify',
    notifyUsers: true,
    verb: 'decertified',
    description: 'A certified connector goes back to the community: its official SLA ends on every deployment where it had one.',
  },
  archiveConnector: {
    mutation: 'archiveConnector',
    from: NOT_ARCHIVED,
    to: 'archived',
    scope: 'admin',
    notifyUsers: true,
    verb: 'archived',
    description: 'The connector is removed for low use or lack of maintenance: no updates or support from then on.',
  },
  unarchiveConnector: {
    mutation: 'unarchiveConnector',
    from: ['archived'],
    to: 'level_before_archiving',
    scope: 'admin',
    notifyUsers: false,
    verb: 'unarchived',
    description: 'An archived connector returns to the level it had before it was archived (its last archiving event says which).',
  },
};

/** One allowed (from, to) pair of a rule, as supportLevelTransitions lists it. */
export interface TransitionPair {
  from: SupportLevelKey;
  to: SupportLevelKey;
  rule: TransitionRule;
}

/** Every allowed (from, to) pair, rule by rule: unarchiving may lead back to any level but archived. */
export function transitionPairs(): TransitionPair[] {
  return Object.values(SUPPORT_LEVEL_TRANSITIONS).flatMap((rule) =>
    rule.from.flatMap((from) => {
      const targets = rule.to === 'level_before_archiving' ? NOT_ARCHIVED : [rule.to];
      return targets.filter((to) => to !== from).map((to) => ({ from, to, rule }));
    }),
  );
}
