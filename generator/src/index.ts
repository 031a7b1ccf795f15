/** create-gateway: the public face of the generator package. */
export const GENERATOR_PACKAGE = 'create-gateway';
