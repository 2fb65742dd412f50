// placeholder until the auth layer lands
namespace leadgate {}
