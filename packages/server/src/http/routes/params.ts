import { z } from 'zod'

export const SpaceParams = z.object({ space: z.string().min(1).max(63) })
export const withSpace = <T extends z.ZodRawShape>(shape: T) => SpaceParams.extend(shape)
