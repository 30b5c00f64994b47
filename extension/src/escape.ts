/** Text placed in HTML or SVG markup, with its markup characters as numeric entities. Pure. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
