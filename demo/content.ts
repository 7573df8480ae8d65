/**
 * The shop's journal: a few posts from the last weeks, and one already written but scheduled
 * to go out later (the feed and the digest must not show it yet).
 */
import type { ContentItem } from '../src/domain.js';
import { localDaysAgo, type DemoDay } from './day.js';

interface Post {
  daysAgo: number;
  slug: string;
  title: string;
  summary: string | null;
  tags: string[];
}

const POSTS: readonly Post[] = [
  {
    daysAgo: 26,
    slug: 'guji-ethiopia',
    title: 'Meet our new single origin: Guji, Ethiopia',
    summary:
      "Bright, floral and a little like blueberries. Here's the farm it comes from and how we roast it.",
    tags: ['beans'],
  },
  {
    daysAgo: 19,
    slug: 'five-minute-pour-over',
    title: 'Brewing at home: a five-minute pour-over',
    summary:
      'All you need is a kettle, a filter and a little patience. Our head barista walks you through it.',
    tags: ['guides'],
  },
  {
    daysAgo: 12,
    slug: 'milk-from-down-the-road',
    title: 'Why our milk now comes from a farm 20 miles away',
    summary: 'Fewer miles, happier cows, and a flat white that tastes noticeably sweeter.',
    tags: ['news'],
  },
  {
    daysAgo: 5,
    slug: 'latte-art-saturdays',
    title: 'Latte art Saturdays are back',
    summary: 'Every Saturday at 10. Free, beginners very welcome, and you get to drink your mistakes.',
    tags: ['events'],
  },
  {
    daysAgo: 2,
    slug: 'keeping-beans-fresh',
    title: 'How to keep coffee beans fresh (hint: not the freezer)',
    summary: null,
    tags: ['guides'],
  },
  {
    daysAgo: -4,
    slug: 'seasonal-menu-preview',
    title: 'A first look at our new seasonal menu',
    summary: 'Three new drinks, one returning favourite, and yes, the cardamom bun stays.',
    tags: ['news'],
  },
];

export function journal(day: DemoDay): ContentItem[] {
  return POSTS.map((post) => ({
    id: `journal/${post.slug}`,
    title: post.title,
    url: `https://corner.example/journal/${post.slug}`,
    published_at: localDaysAgo(day, day.zone, post.daysAgo, 14, 0).toMillis(),
    summary: post.summary,
    tags: post.tags,
  }));
}
