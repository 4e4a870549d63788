// The images a node reports: largest first, at most maxImages (-1: all), each named by its repo
// digests then its repo tags (at most 5 names), as upstream's Images setter.
import type { ContainerImage } from '../../api/core/index.ts';

export interface RuntimeImage {
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

const maxNamesPerImage = 5;

export function nodeImages(images: RuntimeImage[], maxImages: number): ContainerImage[] {
  const sorted = [...images].sort((a, b) => b.size - a.size);
  const kept = maxImages >= 0 ? sorted.slice(0, maxImages) : sorted;
  return kept.map((img) => ({ names: [...img.repoDigests, ...img.repoTags].slice(0, maxNamesPerImage), sizeBytes: img.size }));
}
