// Team-news flags from English article text. Keyword rules, not a model: precise enough to route an
// article to "check the lineup/availability" and cheap to audit. Phrases that merely look like team
// news ("injury-time winner", "knockout stage", "match suspended", "knee-jerk") are neutralised
// before the positive rules run.
import { foldText } from './text.js';

export type TeamNewsFlag = 'injury' | 'suspension' | 'lineup';

const NEUTRALISE: RegExp[] = [
  /\binjury time\b/g,
  /\bknock ?outs?\b/g,
  /\bknocked out\b/g,
  /\b(match|game|games|matches|fixture|fixtures|play|league|season|competition)( (was|were|has been|have been|is|are|been))? suspended\b/g,
  /\bsuspended (sentence|jail|prison)\b/g,
  /\bruled out (a|an|any|the) (move|return|bid|sale|transfer|deal|approach|switch)\b/g,
  /\bban on\b/g, // rules and policies ("ban on standing"), not a player's suspension
  /\bknee jerk\b/g,
];

const RULES: Record<TeamNewsFlag, RegExp[]> = {
  injury: [
    /\binjur(y|ies|ed)\b/,
    /\b(hamstring|groin|calf|thigh|ankle|knee|achilles|ligament|acl|mcl|metatarsal|concussion|fracture[sd]?|dislocated)\b/,
    /\bruled out\b/,
    /\bsidelined\b/,
    /\bfitness (doubt|test|concern|battle|worry|worries|blow)s?\b/,
    /\bdoubtful for\b/,
    /\b(a|major|big|late|fresh) doubt for\b/,
    /\b(picked up|suffered|nursing|shaking off) a (knock|problem|strain)\b/,
    /\b(limped|stretchered|helped) off\b/,
    /\bsurgery\b/,
    /\brace against time\b/,
  ],
  suspension: [
    /\bsuspen(ded|sion|sions)\b/,
    /\bbann?(ed|s)?\b/,
    /\bsent off\b/,
    /\bsending off\b/,
    /\bred card appeal\b/,
    /\bappeal (against|over) (his|her|the|a) red card\b/,
    /\b(one|two|three|four|five|six|\d+) (match|game) ban\b/,
    /\b(yellow card|booking) accumulation\b/,
    /\baccumulat(ed|ion of) (yellow cards|bookings)\b/,
  ],
  lineup: [
    /\bstarting (xi|eleven|line up|lineup)\b/,
    /\b(predicted|probable|possible|confirmed|expected) (xi|eleven|line up|lineup|team)\b/,
    /\bteam news\b/,
    /\blineups?\b/,
    /\bteam ?sheet\b/,
    /\b(named|start|starts|starting|recalled|dropped) (in|to|from) the (starting|side|bench|team)\b/,
    /\bon the bench\b/,
    /\b(one|two|three|four|five|six|seven|\d+) (changes|change) (to|from)\b/,
    /\bunchanged (side|team|xi|line up|lineup)\b/,
  ],
};

/** Flags among injury/suspension/lineup found in `text` (headline + description is the usual input). */
export function classifyTeamNews(text: string): Set<TeamNewsFlag> {
  // The noun "line-up" would fold into the verb "line up" ("Arsenal line up a bid"): join it first.
  let folded = ` ${foldText(text.replace(/\bline-(ups?)\b/gi, 'line$1'))} `;
  for (const re of NEUTRALISE) folded = folded.replace(re, ' ');
  const flags = new Set<TeamNewsFlag>();
  for (const [flag, patterns] of Object.entries(RULES) as [TeamNewsFlag, RegExp[]][]) {
    if (patterns.some((re) => re.test(folded))) flags.add(flag);
  }
  return flags;
}
