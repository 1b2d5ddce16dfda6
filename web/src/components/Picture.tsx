// The intrinsic size of each kind of catalog picture (the viewBox the mall
// draws it in): width and height on the <img> reserve its box before it
// loads, so nothing below it moves.
const shapes = {
  product: { width: 400, height: 400 },
  banner: { width: 1200, height: 400 },
  icon: { width: 96, height: 96 },
} as const;

export type PictureShape = keyof typeof shapes;

// Picture is an <img> of a catalog picture. It decodes off the main thread
// and loads when it nears the viewport, except a priority picture (the
// banner, a product's cover: the page's largest paint), which is fetched
// first. No srcset: the catalog's pictures are SVGs, one file that is sharp
// at every width, so there is no smaller one to pick.
export function Picture({
  src,
  alt,
  shape = "product",
  priority = false,
  className,
  altIsData = false,
}: {
  src: string | undefined;
  alt: string;
  // The alt text is data (a product's title), not the shop's words.
  altIsData?: boolean;
  shape?: PictureShape;
  priority?: boolean;
  className?: string;
}) {
  const { width, height } = shapes[shape];
  return (
    <img
      // An empty src would fetch the page itself again: no src shows the
      // reserved box.
      src={src || undefined}
      alt={alt}
      translate={altIsData ? "no" : undefined}
      width={width}
      height={height}
      loading={priority ? "eager" : "lazy"}
      fetchPriority={priority ? "high" : "auto"}
      decoding="async"
      className={className}
    />
  );
}
