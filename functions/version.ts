import pkg from '../package.json';

/** vigil's version; requests identify themselves as `vigil/<VERSION>`. */
export const VERSION: string = pkg.version;
export const USER_AGENT = `vigil/${VERSION}`;
