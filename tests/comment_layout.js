// In a page's comment thread: each paragraph's text lines start at one x, no line of a
// comment's text lies over its avatar, and Reply starts where the text does. Returns what
// breaks these, per comment.
(() => {
  const boxes = el => { const r = document.createRange(); r.selectNodeContents(el);
    return [...r.getClientRects()].filter(b => b.width > 1); };
  const lineStarts = el => { const starts = new Map();  // a line's top -> its leftmost box
    for (const b of boxes(el)) { const top = Math.round(b.top);
      starts.set(top, Math.min(starts.get(top) ?? Infinity, Math.round(b.left))); }
    return [...starts.values()]; };
  const overlaps = (a, b) =>
    a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const problems = [];
  for (const body of document.querySelectorAll('.commentlist .comment-body:has(.avatar)')) {
    const avatar = body.querySelector('.avatar').getBoundingClientRect();
    const paragraphs = [...body.querySelectorAll('.comment-content > p')];
    const lefts = new Set(paragraphs.flatMap(lineStarts));
    if (lefts.size !== 1) problems.push(`${body.id}: lines start at ${[...lefts]}`);
    for (const el of body.querySelectorAll('.comment-content > *'))
      if (boxes(el).some(b => overlaps(b, avatar)))
        problems.push(`${body.id}: ${el.tagName} under the avatar`);
    const reply = body.querySelector('.reply a');
    if (reply && Math.round(reply.getBoundingClientRect().left) !== Math.min(...lefts))
      problems.push(`${body.id}: Reply at ${reply.getBoundingClientRect().left}, text at ${[...lefts]}`);
  }
  return problems;
})
