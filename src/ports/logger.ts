/** Structured logging port. Never pass personal data (e-mails, phones, national ids) in `fields`. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
    info(message: string, fields?: LogFields): void;
    warn(message: string, fields?: LogFields): void;
    error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** The worker's console (Application Insights traces in Azure): warnings and errors only. */
export const consoleWarnings: Logger = {
    info: () => {},
    warn: (message, fields) => console.warn(message, JSON.stringify(fields ?? {})),
    error: (message, fields) => console.error(message, JSON.stringify(fields ?? {})),
};
