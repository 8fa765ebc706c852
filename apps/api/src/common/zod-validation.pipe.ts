import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { describeIssue } from './describe-issue';

/** 400 with one line per problem ("title: expected at most 200 characters"), or the parsed value. */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(
    private readonly schema: T,
    private readonly what: string,
  ) {}

  transform(value: unknown): z.infer<T> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => describeIssue(issue, this.what, value));
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: `Invalid ${this.what}: ${problems.join('; ')}`,
      problems,
    });
  }
}
