// ESPN ingestion transforms (pure): scoreboard → matches, summary → stats/lineups/events, news → articles.
export {
  classifyKeyEvent,
  type KeyEvent,
  type KeyEventAthlete,
  type KeyEventKind,
  type KeyEventRole,
  type VenueRecord,
} from './common.js';
export { NEWS_SOURCE, transformEspnNews, type EspnArticle } from './news.js';
export {
  isPlaceholderTeam,
  SCOREBOARD_SOURCE,
  seasonLabel,
  transformScoreboard,
  type CompetitionRecord,
  type MatchRecord,
  type TeamRecord,
} from './scoreboard.js';
export {
  isFinished,
  isLive,
  KNOWN_ESPN_STATUS_NAMES,
  mapEspnStatus,
  MatchStatus,
  normaliseStatusName,
  parseMatchClock,
  type EspnStatusType,
  type MappedStatus,
  type MatchClock,
} from './status.js';
export {
  SUMMARY_SOURCE,
  transformSummary,
  type Lineup,
  type LineupPlayer,
  type MatchSummaryRecord,
  type Official,
  type TeamStatField,
  type TeamStats,
} from './summary.js';
