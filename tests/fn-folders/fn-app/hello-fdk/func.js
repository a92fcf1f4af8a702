const fdk = require('@fnproject/fdk');

fdk.handle(function (input) {
  let name = 'World';
  if (input.name) {
    name = input.name;
  }
  console.error('inputs: ' + JSON.stringify(input));
  return { message: 'Hello ' + name };
});
