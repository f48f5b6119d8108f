// Zod schema of the ESPN summary payload: only the parts the transform reads (unknown keys are dropped).
import { z } from 'zod';
import { espnId, isoDate, scoreSchema, statusSchema, venueSchema } from './common.js';

// Stat values are display strings ("60.5", "12"); "-" or "" mean not available.
const numericText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const text = typeof v === 'number' ? String(v) : v.replace('%', '').trim();
    const n = text === '' ? NaN : Number(text);
    return Number.isFinite(n) ? n : null;
  });

const subFlag = z
  .union([z.boolean(), z.object({ didSub: z.boolean().nullish() })])
  .nullish()
  .transform((v) => (typeof v === 'boolean' ? v : v?.didSub === true));

export const summaryPayloadSchema = z.object({
  header: z.object({
    id: espnId,
    league: z.object({ slug: z.string().nullish() }).nullish(),
    competitions: z
      .array(
        z.object({
          date: isoDate,
          status: statusSchema,
          competitors: z
            .array(
              z.object({
                homeAway: z.enum(['home', 'away']),
                score: scoreSchema,
                shootoutScore: z.number().int().nonnegative().nullish(),
                team: z.object({ id: espnId, displayName: z.string().min(1), isActive: z.boolean().nullish() }),
              }),
            )
            .length(2),
        }),
      )
      .min(1),
  }),
  boxscore: z
    .object({
      teams: z
        .array(
          z.object({
            homeAway: z.enum(['home', 'away']),
            team: z.object({ id: espnId }),
            statistics: z.array(z.object({ name: z.string(), displayValue: numericText })).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  rosters: z
    .array(
      z.object({
        homeAway: z.enum(['home', 'away']),
        team: z.object({ id: espnId }),
        formation: z.string().nullish(),
        roster: z
          .array(
            z.object({
              starter: z.boolean().nullish(),
              jersey: numericText,
              subbedIn: subFlag,
              subbedOut: subFlag,
              formationPlace: numericText,
              position: z.object({ abbreviation: z.string().nullish(), name: z.string().nullish() }).nullish(),
              athlete: z.object({ id: espnId, displayName: z.string().min(1) }),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
  keyEvents: z
    .array(
      z.object({
        id: espnId.nullish(),
        type: z.object({ text: z.string(), type: z.string().nullish() }),
        text: z.string().nullish(),
        period: z.object({ number: z.number().int().nullish() }).nullish(),
        clock: z.object({ value: z.number().nullish(), displayValue: z.string().nullish() }).nullish(),
        scoringPlay: z.boolean().nullish(),
        shootout: z.boolean().nullish(),
        team: z.object({ id: espnId }).nullish(),
        participants: z.array(z.object({ athlete: z.object({ id: espnId, displayName: z.string().min(1) }) })).nullish(),
      }),
    )
    .nullish(),
  gameInfo: z
    .object({
      venue: venueSchema.nullish(),
      attendance: z.number().int().nonnegative().nullish(),
      officials: z
        .array(
          z.object({
            displayName: z.string().nullish(),
            fullName: z.string().nullish(),
            position: z.object({ displayName: z.string().nullish(), name: z.string().nullish() }).nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
export type RawSummary = z.output<typeof summaryPayloadSchema>;
